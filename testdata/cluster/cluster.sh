#!/usr/bin/env bash
# A whole consentgw cluster on one machine, for a first look (README "Running several
# gateways"): three nats-server processes as one JetStream cluster, MinIO in distributed
# mode (two processes of two drives), two gateway nodes running one configuration file,
# Kamailio's dispatcher in front, and a SIPp agent behind.
#
#   testdata/cluster/cluster.sh up [DIR]     start everything (state and logs in DIR,
#                                            default /tmp/consentgw-cluster)
#   testdata/cluster/cluster.sh call [DIR]   place one consenting SIPp call via Kamailio
#   testdata/cluster/cluster.sh node gw-b [DIR]  (re)start a node, e.g. after a drain
#   testdata/cluster/cluster.sh down [DIR]   stop everything started by up
#
# Needs: go, kamailio, sipp (sip-tester), and nats-server and minio in
# ~/.cache/consentgw/bin or on PATH (.ci/run installs them). Everything listens on
# 127.0.0.1 only:
#
#   Kamailio (calls go here)  udp 5060        nats-server  4222-4224 (cluster 6222-6224)
#   consentgw gw-a            sip 5071, http 8081, media 20000-29999
#   consentgw gw-b            sip 5072, http 8082, media 30000-39999
#   MinIO                     9001, 9002      SIPp agent   udp 5070
set -euo pipefail

cmd=${1:-up}
arg=""
if [ "$cmd" = node ]; then
	arg=${2:?usage: $0 node gw-a|gw-b [DIR]}
	shift
fi
dir=${2:-/tmp/consentgw-cluster}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin="$HOME/.cache/consentgw/bin"

find_bin() {
	if [ -x "$bin/$1" ]; then echo "$bin/$1"; return; fi
	command -v "$1" || { echo "cluster.sh: $1 not found in $bin or PATH (see .ci/run)" >&2; exit 1; }
}

# start NAME CMD...: runs CMD in its own session, logging to DIR/logs/NAME.log.
start() {
	local name=$1; shift
	setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
	echo "$!" >"$dir/pids/$name"
}

# wait_for WHAT CMD...: retries CMD for up to 60 s.
wait_for() {
	local what=$1; shift
	for _ in $(seq 1 240); do
		if "$@" >/dev/null 2>&1; then return; fi
		sleep 0.25
	done
	echo "cluster.sh: $what did not come up; see $dir/logs" >&2
	exit 1
}

# node NAME: (re)starts gateway gw-a or gw-b on the shared file with its own environment,
# e.g. after it was drained or killed.
node() {
	local name=$1 i
	case "$name" in
	gw-a) i=1 ;;
	gw-b) i=2 ;;
	*) echo "cluster.sh: no node $name (gw-a or gw-b)" >&2; exit 2 ;;
	esac
	start "$name" env CONSENTGW_NODE_NAME="$name" CONSENTGW_DATA_DIR="$dir/$name" \
		CONSENTGW_SIP_LISTEN="udp:127.0.0.1:507$i,tcp:127.0.0.1:507$i" CONSENTGW_HTTP_LISTEN="127.0.0.1:808$i" \
		CONSENTGW_MEDIA_PORT_MIN="$((10000 + 10000 * i))" CONSENTGW_MEDIA_PORT_MAX="$((19999 + 10000 * i))" \
		CONSENTGW_STORAGE_S3_ENDPOINT="127.0.0.1:900$i" \
		"$dir/consentgw" serve -c "$here/consentgw.yaml"
	wait_for "$name" curl -fsS "http://127.0.0.1:808$i/readyz"
}

up() {
	if [ -d "$dir/pids" ] && [ -n "$(ls -A "$dir/pids" 2>/dev/null)" ]; then
		echo "cluster.sh: $dir holds a running cluster; run '$0 down $dir' first" >&2
		exit 1
	fi
	mkdir -p "$dir/logs" "$dir/pids"
	local nats minio
	nats=$(find_bin nats-server)
	minio=$(find_bin minio)
	command -v kamailio >/dev/null || { echo "cluster.sh: kamailio not found (apt-get install kamailio)" >&2; exit 1; }

	echo "building consentgw"
	(cd "$repo" && go build -o "$dir/consentgw" ./cmd/consentgw)

	for n in 1 2 3; do
		start "nats-n$n" "$nats" -c "$here/nats-n$n.conf" -sd "$dir/nats/n$n"
	done
	wait_for "the JetStream cluster" curl -fsS "http://127.0.0.1:8222/healthz?js-enabled-only=true"

	# MinIO refuses loopback endpoints and root-filesystem drives in a container: naming
	# each process's own endpoint and CI mode lift both (outside a container the first
	# is not read).
	local pool="http://127.0.0.1:9001$dir/minio/p1/d{1...2} http://127.0.0.1:9002$dir/minio/p2/d{1...2}"
	for p in 1 2; do
		# shellcheck disable=SC2086 # the pool is two words
		start "minio-$p" env MINIO_ROOT_USER=consentgw-example MINIO_ROOT_PASSWORD=consentgw-example-secret \
			MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=on _MINIO_SERVER_LOCAL="127.0.0.1:900$p" \
			"$minio" server --quiet --address "127.0.0.1:900$p" --console-address "127.0.0.1:910$p" $pool
	done
	wait_for "MinIO" curl -fsS http://127.0.0.1:9001/minio/health/cluster

	node gw-a
	node gw-b

	if command -v sipp >/dev/null; then
		start agent sipp -sf "$repo/testdata/sipp/agent.xml" -i 127.0.0.1 -mi 127.0.0.1 -p 5070 -mp 16000 \
			-ci 127.0.0.1 -cp 18888 -m 100000 -nostdin -aa \
			-key consent granted -key pt 0 -key codec PCMU -key audio "$repo/testdata/audio/agent-1000hz.ulaw,-1,0"
	fi

	start kamailio kamailio -DD -E -f "$here/kamailio.cfg" -w "$dir" -Y "$dir" -m 64 -M 8 \
		-A "DSLIST=\"$here/dispatcher.list\""
	wait_for "Kamailio" grep -q "Listening on" "$dir/logs/kamailio.log"

	cat <<EOF
consentgw cluster up (state and logs in $dir):
  calls:     sip:+4587654321@127.0.0.1:5060 (Kamailio) -> gw-a 127.0.0.1:5071, gw-b 127.0.0.1:5072
  nodes:     curl http://127.0.0.1:8081/readyz   curl http://127.0.0.1:8082/metrics
  a call:    $0 call $dir
  erase:     $dir/consentgw erase --nats nats://127.0.0.1:4222 --subject tel:+4512345678
  drain:     $dir/consentgw drain --http 127.0.0.1:8082    (gw-b finishes its calls and exits)
  restart:   $0 node gw-b $dir
  stop:      $0 down $dir
EOF
}

call() {
	sipp -sf "$repo/testdata/sipp/caller_rfc4733.xml" 127.0.0.1:5060 -i 127.0.0.1 -mi 127.0.0.1 -m 1 -nostdin -aa \
		-key caller +4512345678 -key callee +4587654321 -key pt 0 -key codec PCMU \
		-key audio "$repo/testdata/audio/caller-440hz.ulaw,-1,0" -key digit_delay 300 \
		-key dtmf_pcap /usr/share/sip-tester/dtmf_2833_1.pcap -key hold 3000 -timeout 30s -timeout_error
}

down() {
	[ -d "$dir/pids" ] || { echo "cluster.sh: nothing running in $dir"; return; }
	# Gateways first (SIGTERM: calls get a BYE, the spool is uploaded), then the rest.
	for name in kamailio gw-a gw-b agent minio-1 minio-2 nats-n1 nats-n2 nats-n3; do
		local f="$dir/pids/$name"
		[ -f "$f" ] || continue
		local pid
		pid=$(cat "$f")
		kill -TERM -- "-$pid" 2>/dev/null || true
		for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
		kill -KILL -- "-$pid" 2>/dev/null || true
		rm -f "$f"
	done
	echo "cluster stopped; state left in $dir (rm -rf it to start afresh)"
}

case "$cmd" in
up) up ;;
call) call ;;
node) node "$arg" ;;
down) down ;;
*) echo "usage: $0 up|call|node NAME|down [DIR]" >&2; exit 2 ;;
esac
