#!/usr/bin/env bash
# flood.sh: what a flood of refused SIP requests leaves in the gateway's memory
# (issue 13 §3). It starts the gateway with only a documentation network trusted, so
# every request from loopback is refused (403) before a call exists, floods it with
# `sipsak -F` for a few seconds (ROUNDS times, 2 by default), and samples the process's RSS and Go heap before the
# flood, right after it and 40 s later (past every transaction timer). A benchmark,
# not a test: it prints figures and fails only when RSS 40 s after the flood is more
# than 64 MiB above where it was before. Bounded: the flood, each wait and the whole
# run have deadlines; everything binds to 127.0.0.1 and is removed at the end.
set -euo pipefail

FLOOD_S=${FLOOD_S:-3}
SETTLE_S=${SETTLE_S:-40}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/consentgw-flood.XXXXXX)
GW_PID=""
cleanup() {
	[ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for tool in sipsak curl; do
	command -v $tool >/dev/null || { echo "flood.sh: needs $tool" >&2; exit 2; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SIP_PORT=$(free_port); HTTP_PORT=$(free_port); NATS_PORT=$(free_port)

(cd "$ROOT" && timeout 600 go build -o "$TMP/consentgw" ./cmd/consentgw)
cat >"$TMP/consentgw.yaml" <<YAML
data_dir: "$TMP/data"
log: {level: info, format: text}
sip:
  listen: ["udp:127.0.0.1:$SIP_PORT"]
  trusted: ["192.0.2.1/32"]       # TEST-NET-1: loopback is an untrusted source
media: {ip: 127.0.0.1, port_min: 24000, port_max: 24099}
routes: [{name: flood, match: ".*", record_target: "sip:agents@127.0.0.1:9"}]
subjects: {hmac_key: "flood-test-hmac-key-not-secret"}
nats: {url: "", listen: "127.0.0.1:$NATS_PORT"}
http: {listen: "127.0.0.1:$HTTP_PORT"}
YAML
"$TMP/consentgw" serve -c "$TMP/consentgw.yaml" >"$TMP/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 100); do
	curl -fsS --max-time 1 "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
	sleep 0.2
done
curl -fsS --max-time 1 "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null || { cat "$TMP/gateway.log"; exit 1; }

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$GW_PID/status"; }
metric() { curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2}'; }
sample() { printf '%-22s RSS %7d KiB   Go heap in use %7d KiB\n' "$1" "$(rss_kib)" "$(( $(metric go_memstats_heap_inuse_bytes) / 1024 ))"; }

sample "before the flood"
before=$(rss_kib)
for round in $(seq "${ROUNDS:-2}"); do
	timeout "$FLOOD_S" sipsak -F -e 100000000 -s "sip:flood@127.0.0.1:$SIP_PORT" >/dev/null 2>&1 || true
	refused=$(metric 'consentgw_sip_rejected_total{reason="untrusted"}')
	sample "flood $round: right after"
	sleep "$SETTLE_S" # the figure is what is left after every transaction timer has run out
	sample "flood $round: ${SETTLE_S} s later"
done
after=$(rss_kib)
echo "requests refused: ${refused:-0} in ${ROUNDS:-2} floods of ${FLOOD_S} s; RSS ${SETTLE_S} s after the last: $(( (after - before) / 1024 )) MiB above before"
if [ $(( after - before )) -gt $(( 64 * 1024 )) ]; then
	echo "flood.sh: RSS stayed more than 64 MiB above where it was before the flood" >&2
	exit 1
fi
