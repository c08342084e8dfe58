#!/usr/bin/env bash
# run.sh: a bounded SIPp load run against one consentgw, measuring what a call costs.
#
# It builds the gateway, configures it from consentgw.yaml.in in a temporary
# directory (everything on 127.0.0.1), starts a SIPp agent (agent.xml, consent
# granted) and a SIPp caller (caller_rfc4733.xml, presses 1 when the prompt has
# played, then holds), samples the gateway's /proc and /metrics once a second,
# and prints a Markdown table. Exit status: 0 when every call succeeded and the
# store holds one recording and one receipt per call; 1 otherwise; 2 on bad usage.
# See README.md in this directory for what each figure means.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [-c CONCURRENT] [-n CALLS] [-r CPS] [-H HOLD_S] [-o OUTDIR]
  -c  calls held at once (SIPp -l)             default 50
  -n  total calls (SIPp -m)                    default 100
  -r  call rate, calls per second (SIPp -r)    default 10
  -H  seconds each caller holds after its digit default 20
  -o  copy logs, stat CSVs and samples here before the temp dir is removed
EOF
}

ORIG_ARGS="$*"
CONC=50
CALLS=100
RATE=10
HOLD=20
OUT=""
while getopts "c:n:r:H:o:h" opt; do
	case $opt in
	c) CONC=$OPTARG ;;
	n) CALLS=$OPTARG ;;
	r) RATE=$OPTARG ;;
	H) HOLD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	echo "run.sh: unexpected argument '$1'" >&2
	usage >&2
	exit 2
fi
for v in c:CONC n:CALLS r:RATE H:HOLD; do
	name=${v#*:}
	val=${!name}
	if ! [[ $val =~ ^[1-9][0-9]*$ ]]; then
		echo "run.sh: -${v%%:*} must be a positive integer, got '$val'" >&2
		exit 2
	fi
done
# Each concurrent call takes two RTP/RTCP port pairs on the gateway; the port
# window below 32768 (the kernel's ephemeral range) bounds how many fit.
if [ "$CONC" -gt 2000 ]; then
	echo "run.sh: -c above 2000 does not fit the loopback port window" >&2
	exit 2
fi
for tool in go sipp curl ss soxi timeout getconf pgrep; do
	command -v "$tool" >/dev/null || { echo "run.sh: needs '$tool' on PATH" >&2; exit 2; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: SIPp plays the RFC 2833 pcap through a raw socket: run as root" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/testdata/load"
SIPP_DIR="$ROOT/testdata/sipp"
AUDIO="$ROOT/testdata/audio"
PROMPT="$AUDIO/prompt-short.wav"
DTMF_PCAP=/usr/share/sip-tester/dtmf_2833_1.pcap
[ -r "$DTMF_PCAP" ] || { echo "run.sh: missing $DTMF_PCAP (Debian package sip-tester)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/consentgw-load.XXXXXX")
PIDS=() # every process started, in start order; cleanup stops them in reverse

log() { printf '[run.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

cleanup() {
	local rc=$? i pid deadline
	set +e
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${PIDS[i]}" 2>/dev/null
	done
	deadline=$((SECONDS + 10))
	for pid in "${PIDS[@]}"; do
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$OUT" ]; then
		mkdir -p "$OUT"
		cp "$TMP"/*.log "$TMP"/*.csv "$TMP"/samples.txt "$TMP"/consentgw.yaml "$TMP"/metrics.txt "$OUT"/ 2>/dev/null
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	log "FAIL: $*"
	exit 1
}

# child_of waits (bounded) for the process that `timeout` (pid $1) started.
child_of() {
	local parent=$1 deadline=$((SECONDS + 5)) child=""
	while [ -z "$child" ]; do
		child=$(pgrep -P "$parent" | head -n1 || true)
		[ -n "$child" ] && break
		kill -0 "$parent" 2>/dev/null || return 1
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.02
	done
	echo "$child"
}

# A process that just exited reads as NA.
cpu_ticks() {
	local v
	v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || true)
	echo "${v:-NA}"
}
rss_hwm() {
	local v
	v=$(awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{if (r != "" && h != "") print r, h}' "/proc/$1/status" 2>/dev/null || true)
	echo "${v:-NA NA}"
}
metric() { # metric NAME [LABEL-FILTER]: sum of a metric's samples in $TMP/metrics.txt
	awk -v n="$1" -v f="${2:-}" '{split($1, a, "{")} a[1] == n && index($1, f) {s += $2} END{print s + 0}' "$TMP/metrics.txt"
}
count_objects() { # count_objects PREFIX GLOB
	local d="$DATA/objects/$1"
	[ -d "$d" ] || { echo 0; return; }
	find "$d" -type f -name "$2" | wc -l
}

# --- ports: one free loopback window below the ephemeral range -------------------
MEDIA_SIZE=$((CONC * 8 > 200 ? CONC * 8 : 200)) # twice the 4 ports a call needs
WINDOW=$((32 + MEDIA_SIZE))
used=$(ss -Htanu | awk '{n = split($5, a, ":"); print a[n]}' | sort -un)
BASE=""
for _ in $(seq 1 100); do
	b=$((10000 + (RANDOM * 2) % (32768 - 10000 - WINDOW)))
	b=$((b - b % 2))
	if ! awk -v lo="$b" -v hi="$((b + WINDOW))" '$1 >= lo && $1 < hi {found = 1} END{exit !found}' <<<"$used"; then
		BASE=$b
		break
	fi
done
[ -n "$BASE" ] || die "no free loopback port window of $WINDOW ports"
SIP_PORT=$BASE
AGENT_PORT=$((BASE + 2))
CALLER_PORT=$((BASE + 4))
NATS_PORT=$((BASE + 6))
HTTP_PORT=$((BASE + 7))
CALLER_CP=$((BASE + 8))
AGENT_CP=$((BASE + 9))
CALLER_MP=$((BASE + 12)) # SIPp binds -mp and -mp + 2
AGENT_MP=$((BASE + 20))
MEDIA_MIN=$((BASE + 32))
MEDIA_MAX=$((BASE + WINDOW - 1))
HTTP="http://127.0.0.1:$HTTP_PORT"

# --- timing -----------------------------------------------------------------------
PROMPT_MS=$(soxi -D "$PROMPT" | awk '{printf "%d", $1 * 1000 + 0.5}')
HOLD_MS=$((HOLD * 1000))
CALL_S=$(awk -v p="$PROMPT_MS" -v h="$HOLD_MS" 'BEGIN{print (p + h) / 1000}')
WAVES=$(((CALLS + CONC - 1) / CONC))
# Bounds, generous for a loaded 2-core machine: start every call at the rate,
# each wave of calls lasts a call plus its ramp, and a minute of slack.
CALLER_TIMEOUT=$((CALLS / RATE + WAVES * (PROMPT_MS / 1000 + HOLD + 2 + CONC / RATE) + 60))
AGENT_TIMEOUT=$((CALLER_TIMEOUT + 20))
GW_TIMEOUT=$((AGENT_TIMEOUT + 180))

DATA="$TMP/data"
mkdir -p "$DATA"

# --- build and configure ------------------------------------------------------------
log "building consentgw"
BIN="$TMP/consentgw"
(cd "$ROOT" && timeout 600 go build -o "$BIN" ./cmd/consentgw) || die "go build failed"

sed -e "s|@DATA_DIR@|$DATA|" -e "s|@SIP_PORT@|$SIP_PORT|g" -e "s|@MEDIA_MIN@|$MEDIA_MIN|" \
	-e "s|@MEDIA_MAX@|$MEDIA_MAX|" -e "s|@PROMPT@|$PROMPT|" -e "s|@AGENT_PORT@|$AGENT_PORT|g" \
	-e "s|@NATS_PORT@|$NATS_PORT|" -e "s|@HTTP_PORT@|$HTTP_PORT|" \
	"$HERE/consentgw.yaml.in" >"$TMP/consentgw.yaml"
if grep -q '@[A-Z_]*@' "$TMP/consentgw.yaml"; then
	die "config template has an unfilled placeholder: $(grep -o '@[A-Z_]*@' "$TMP/consentgw.yaml" | head -n1)"
fi

# --- gateway ------------------------------------------------------------------------
log "starting gateway: SIP 127.0.0.1:$SIP_PORT, media $MEDIA_MIN-$MEDIA_MAX, http $HTTP"
timeout -k 5 "$GW_TIMEOUT" "$BIN" serve -c "$TMP/consentgw.yaml" >"$TMP/gateway.stdout.log" 2>"$TMP/gateway.log" &
GW_TPID=$!
PIDS+=("$GW_TPID")
GW_PID=$(child_of "$GW_TPID") || die "gateway did not start: $(tail -n5 "$TMP/gateway.log")"
PIDS+=("$GW_PID")

deadline=$((SECONDS + 30))
until curl -fsS --max-time 1 "$HTTP/readyz" >/dev/null 2>&1; do
	kill -0 "$GW_PID" 2>/dev/null || die "gateway exited before ready: $(tail -n5 "$TMP/gateway.log")"
	[ $SECONDS -lt $deadline ] || die "gateway not ready within 30 s"
	sleep 0.1
done
log "gateway ready (pid $GW_PID)"

# --- SIPp ---------------------------------------------------------------------------
sipp_common=(-i 127.0.0.1 -mi 127.0.0.1 -ci 127.0.0.1 -t u1 -nostdin -aa
	-watchdog_minor_maxtriggers 1000000 -watchdog_major_maxtriggers 1000000
	-timeout_error -trace_err -trace_stat -fd 1 -trace_screen)

timeout -k 5 $((AGENT_TIMEOUT + 10)) sipp -sf "$SIPP_DIR/agent.xml" "${sipp_common[@]}" \
	-p "$AGENT_PORT" -mp "$AGENT_MP" -cp "$AGENT_CP" -m "$CALLS" -l $((CONC * 100)) \
	-timeout "${AGENT_TIMEOUT}s" -error_file "$TMP/agent_errors.log" -stf "$TMP/agent_stat.csv" \
	-screen_file "$TMP/agent_screen.log" \
	-key consent granted -key pt 0 -key codec PCMU -key audio "$AUDIO/agent-1000hz.ulaw,-1,0" \
	>"$TMP/agent.stdout.log" 2>&1 &
AGENT_TPID=$!
PIDS+=("$AGENT_TPID")
AGENT_PID=$(child_of "$AGENT_TPID") || die "SIPp agent did not start: $(tail -n5 "$TMP/agent.stdout.log")"
PIDS+=("$AGENT_PID")
deadline=$((SECONDS + 10))
until [ -n "$(ss -Hlun "sport = :$AGENT_PORT")" ]; do
	kill -0 "$AGENT_PID" 2>/dev/null || die "SIPp agent exited: $(tail -n5 "$TMP/agent.stdout.log")"
	[ $SECONDS -lt $deadline ] || die "SIPp agent not listening within 10 s"
	sleep 0.05
done

read -r BASE_RSS BASE_HWM < <(rss_hwm "$GW_PID")
CPU0=$(cpu_ticks "$GW_PID")
HZ=$(getconf CLK_TCK)

CMD="testdata/load/run.sh${ORIG_ARGS:+ $ORIG_ARGS}"
log "load: $CALLS calls, $CONC at once, $RATE cps, ${PROMPT_MS} ms prompt + ${HOLD} s hold (baseline RSS ${BASE_RSS} KiB)"
T0=$SECONDS
timeout -k 5 $((CALLER_TIMEOUT + 10)) sipp -sf "$SIPP_DIR/caller_rfc4733.xml" "127.0.0.1:$SIP_PORT" "${sipp_common[@]}" \
	-p "$CALLER_PORT" -mp "$CALLER_MP" -cp "$CALLER_CP" -m "$CALLS" -l "$CONC" -r "$RATE" \
	-timeout "${CALLER_TIMEOUT}s" -error_file "$TMP/caller_errors.log" -stf "$TMP/caller_stat.csv" \
	-screen_file "$TMP/caller_screen.log" \
	-key caller +4512345678 -key callee +4587654321 -key pt 0 -key codec PCMU \
	-key audio "$AUDIO/caller-440hz.ulaw,-1,0" -key digit_delay "$PROMPT_MS" \
	-key dtmf_pcap "$DTMF_PCAP" -key hold "$HOLD_MS" \
	>"$TMP/caller.stdout.log" 2>&1 &
CALLER_TPID=$!
PIDS+=("$CALLER_TPID")
CALLER_PID=$(child_of "$CALLER_TPID") || die "SIPp caller did not start: $(tail -n5 "$TMP/caller.stdout.log")"
PIDS+=("$CALLER_PID")

# Sampler: once a second, the gateway's RSS, HWM, active calls and CPU ticks, and
# the SIPp processes' CPU ticks (their last value before they exit).
(
	trap - EXIT INT TERM
	while kill -0 "$GW_PID" 2>/dev/null; do
		active=$(curl -fsS --max-time 1 "$HTTP/metrics" 2>/dev/null | awk '$1 == "consentgw_active_calls" {print $2}' || true)
		echo "$SECONDS $(rss_hwm "$GW_PID") ${active:-NA} $(cpu_ticks "$GW_PID") $(cpu_ticks "$CALLER_PID") $(cpu_ticks "$AGENT_PID")"
		sleep 1
	done
) >"$TMP/samples.txt" &
SAMPLER_PID=$!
PIDS+=("$SAMPLER_PID")

CALLER_RC=0
wait "$CALLER_TPID" || CALLER_RC=$?
WALL=$((SECONDS - T0))
log "caller done in ${WALL} s (exit $CALLER_RC); waiting for the agent"
AGENT_RC=0
wait "$AGENT_TPID" || AGENT_RC=$?

# Recordings and receipts are stored after each call ends: wait (bounded) for them.
deadline=$((SECONDS + 60))
while :; do
	RECORDINGS=$(count_objects recordings '*.wav')
	RECEIPTS=$(count_objects consent '*.json')
	[ "$RECORDINGS" -ge "$CALLS" ] && [ "$RECEIPTS" -ge "$CALLS" ] && break
	[ $SECONDS -lt $deadline ] || { log "store still short after 60 s"; break; }
	kill -0 "$GW_PID" 2>/dev/null || { log "gateway exited during the run"; break; }
	sleep 0.2
done
CPU1=$(cpu_ticks "$GW_PID")
read -r END_RSS END_HWM < <(rss_hwm "$GW_PID")
curl -fsS --max-time 5 "$HTTP/metrics" >"$TMP/metrics.txt" 2>/dev/null || : >"$TMP/metrics.txt"
kill -TERM "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true

# Stop the gateway: SIGTERM, then its own 30 s shutdown grace; bounded here too.
GW_RC=NA
if kill -TERM "$GW_PID" 2>/dev/null; then
	deadline=$((SECONDS + 45))
	while kill -0 "$GW_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
	kill -0 "$GW_PID" 2>/dev/null && kill -KILL "$GW_PID" 2>/dev/null
	GW_RC=0
	wait "$GW_TPID" || GW_RC=$?
fi

# --- figures ----------------------------------------------------------------------
# stat_last FILE COLUMN: the column's value on the last line of a SIPp -trace_stat CSV.
stat_last() {
	[ -s "$1" ] || { echo NA; return; }
	awk -F';' -v col="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == col) c = i} END{print (c ? $c : "NA")}' "$1"
}
CALLER_OK=$(stat_last "$TMP/caller_stat.csv" "SuccessfulCall(C)")
CALLER_FAIL=$(stat_last "$TMP/caller_stat.csv" "FailedCall(C)")
AGENT_OK=$(stat_last "$TMP/agent_stat.csv" "SuccessfulCall(C)")
AGENT_FAIL=$(stat_last "$TMP/agent_stat.csv" "FailedCall(C)")

read -r PEAK_ACTIVE MAX_RSS STEADY_RSS SIPP_CALLER_TICKS SIPP_AGENT_TICKS < <(awk '
	$4 != "NA" && $4 + 0 > pk {pk = $4 + 0}
	$2 != "NA" && $2 + 0 > mx {mx = $2 + 0}
	$6 != "NA" {ct = $6}
	$7 != "NA" {at = $7}
	{rss[NR] = $2; act[NR] = $4}
	END {
		n = 0
		for (i = 1; i <= NR; i++) if (act[i] != "NA" && act[i] + 0 >= 0.9 * pk && pk > 0) v[++n] = rss[i] + 0
		# median of the plateau samples (insertion sort: a few hundred at most)
		for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		med = n ? (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : "NA"
		print pk + 0, mx + 0, med, (ct == "" ? "NA" : ct), (at == "" ? "NA" : at)
	}' "$TMP/samples.txt")

CALL_SECONDS=$(awk -v n="$CALLS" -v s="$CALL_S" 'BEGIN{print n * s}')
fig() { awk "BEGIN{$1}" </dev/null; }
CPU_S=$(fig "printf \"%.2f\", ($CPU1 - $CPU0) / $HZ")
CPU_MS_PER_CS=$(fig "printf \"%.3f\", ($CPU1 - $CPU0) / $HZ * 1000 / $CALL_SECONDS")
CPU_PCT=$(fig "printf \"%.1f\", ($CPU1 - $CPU0) / $HZ * 100 / ($WALL > 0 ? $WALL : 1)")
sipp_ms() { [ "$1" = NA ] && { echo NA; return; }; fig "printf \"%.3f\", $1 / $HZ * 1000 / $CALL_SECONDS"; }
SIPP_CALLER_MS=$(sipp_ms "$SIPP_CALLER_TICKS")
SIPP_AGENT_MS=$(sipp_ms "$SIPP_AGENT_TICKS")
mib() { [ "$1" = NA ] && { echo NA; return; }; fig "printf \"%.1f\", $1 / 1024"; }
if [ "$PEAK_ACTIVE" -gt 0 ]; then
	KIB_PER_CALL=$(fig "printf \"%.0f\", ($END_HWM - $BASE_RSS) / $PEAK_ACTIVE")
else
	KIB_PER_CALL=NA
fi
GW_ERRORS=$(grep -c 'level=ERROR' "$TMP/gateway.log" || true)
GW_WARNS=$(grep -c 'level=WARN' "$TMP/gateway.log" || true)
DROPPED=$(metric consentgw_recorder_dropped_packets_total)
ARCHIVE_ERR=$(metric consentgw_archive_jobs_total 'result="error"')
TARGET_FAIL=$(metric consentgw_target_failures_total)
GRANTED=$(metric consentgw_consent_decisions_total 'decision="granted"')

cat <<EOF

### consentgw load run: $CALLS calls, $CONC concurrent, $RATE cps

\`$CMD\` ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), each call ${PROMPT_MS} ms prompt + ${HOLD} s hold, G.711 µ-law 20 ms both legs, digit 1 by RFC 4733)

| figure | value |
|---|---|
| calls succeeded / failed (caller) | $CALLER_OK / $CALLER_FAIL |
| calls succeeded / failed (agent) | $AGENT_OK / $AGENT_FAIL |
| SIPp exit codes (caller, agent) | $CALLER_RC, $AGENT_RC |
| consent granted (metric) | $GRANTED |
| recordings stored (objects/recordings/**/*.wav) | $RECORDINGS of $CALLS |
| receipts stored (objects/consent/**/*.json) | $RECEIPTS of $CALLS |
| peak concurrent calls (consentgw_active_calls) | $PEAK_ACTIVE |
| run wall time (caller start to end) | ${WALL} s |
| call-seconds (calls × (prompt + hold)) | $CALL_SECONDS |
| gateway CPU over the run | ${CPU_S} s (${CPU_PCT} % of one core) |
| **gateway CPU per call-second** | **${CPU_MS_PER_CS} ms** |
| gateway RSS baseline (before calls) | $(mib "$BASE_RSS") MiB |
| gateway RSS steady (median while ≥ 90 % of peak calls) | $(mib "$STEADY_RSS") MiB |
| gateway RSS peak (VmHWM; max sampled VmRSS) | $(mib "$END_HWM") MiB; $(mib "$MAX_RSS") MiB |
| gateway RSS after the calls | $(mib "$END_RSS") MiB |
| **gateway RSS per concurrent call** ((VmHWM − baseline) / peak calls) | **${KIB_PER_CALL} KiB** |
| recorder dropped packets (metric) | $DROPPED |
| archive errors / target failures (metrics) | $ARCHIVE_ERR / $TARGET_FAIL |
| gateway log ERROR / WARN lines | $GW_ERRORS / $GW_WARNS |
| gateway exit status after SIGTERM | $GW_RC |
| SIPp CPU per call-second (caller, agent) | $SIPP_CALLER_MS ms, $SIPP_AGENT_MS ms |
EOF

FAILED=0
problems=()
[ "$CALLER_RC" -eq 0 ] || problems+=("SIPp caller exited $CALLER_RC")
[ "$AGENT_RC" -eq 0 ] || problems+=("SIPp agent exited $AGENT_RC")
[ "$CALLER_FAIL" = 0 ] || problems+=("caller failed calls: $CALLER_FAIL")
[ "$AGENT_FAIL" = 0 ] || problems+=("agent failed calls: $AGENT_FAIL")
[ "$CALLER_OK" = "$CALLS" ] || problems+=("caller successful calls: $CALLER_OK, want $CALLS")
[ "$RECORDINGS" -eq "$CALLS" ] || problems+=("recordings: $RECORDINGS, want $CALLS")
[ "$RECEIPTS" -eq "$CALLS" ] || problems+=("receipts: $RECEIPTS, want $CALLS")
if [ ${#problems[@]} -gt 0 ]; then
	FAILED=1
	echo
	for p in "${problems[@]}"; do echo "FAIL: $p"; done
fi
if [ "$GW_ERRORS" -gt 0 ] || [ "$GW_WARNS" -gt 0 ] || [ "$FAILED" -ne 0 ]; then
	echo
	echo "gateway log, ERROR and WARN lines (first 40):"
	grep -E 'level=(ERROR|WARN)' "$TMP/gateway.log" | head -n 40 || true
	for f in caller_errors.log agent_errors.log; do
		if [ -s "$TMP/$f" ]; then
			echo
			echo "SIPp $f (first 20 lines):"
			head -n 20 "$TMP/$f"
		fi
	done
fi
exit "$FAILED"
