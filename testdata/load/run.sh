#!/usr/bin/env bash
# run.sh: bounded SIPp load runs against consentgw and, with -P, against its peer
# (Kamailio + rtpengine in userspace, testdata/peer/), measuring what a call costs.
#
# For each step of the ramp (pairs of -r rate and -c concurrency) it starts a fresh
# gateway configured from consentgw.yaml.in (everything on 127.0.0.1), two SIPp agents
# (agent.xml: one for the record target expecting "granted", one for the non-record
# target expecting "declined"), and two SIPp callers (caller_rfc4733.xml: consenting
# callers press 1, declining callers press 2, both as RFC 4733 events once the prompt
# has played, then hold), samples the processes' /proc and the kernel's UDP drop
# counters once a second, checks every receipt and recording, and prints one row per
# step and system. Exit status: 0 when every call succeeded and every check passed;
# 1 otherwise; 2 on bad usage. See README.md in this directory for each figure.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [-r RATES] [-c CONCURRENCIES] [-n CALLS] [-H HOLD_S] [-d DECLINE_PCT] [-P] [-E] [-o OUTDIR]
  -r  calls per second per step, comma-separated (SIPp -r)       default 10
  -c  calls held at once per step, comma-separated (SIPp -l)      default 50
      -r and -c pair up: -r 10,20 -c 50,100 is two steps
  -n  calls per step (SIPp -m); default: the step's concurrency (one wave)
  -H  seconds each caller holds after its digit                  default 20
  -d  percent of callers that decline (press 2)                  default 50
  -P  also run each step with only declining callers (relay only) and through
      the peer, Kamailio + rtpengine (userspace), and print the CPU ratio
  -E  also run each step with encryption at rest off (encryption.mode off: plain WAVs)
      and print the CPU per recorded call-second of both and their ratio
  -o  copy logs, stat CSVs and samples here before the temp dir is removed
EOF
}

ORIG_ARGS="$*"
RATES=10
CONCS=50
CALLS_OPT=""
HOLD=20
DECLINE=50
PEER=0
ENC_OFF=0
OUT=""
while getopts "c:n:r:H:d:PEo:h" opt; do
	case $opt in
	c) CONCS=$OPTARG ;;
	n) CALLS_OPT=$OPTARG ;;
	r) RATES=$OPTARG ;;
	H) HOLD=$OPTARG ;;
	d) DECLINE=$OPTARG ;;
	P) PEER=1 ;;
	E) ENC_OFF=1 ;;
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
IFS=, read -r -a RATE_LIST <<<"$RATES"
IFS=, read -r -a CONC_LIST <<<"$CONCS"
if [ ${#RATE_LIST[@]} -ne ${#CONC_LIST[@]} ]; then
	echo "run.sh: -r and -c need the same number of values (one pair per step)" >&2
	exit 2
fi
if [ ${#RATE_LIST[@]} -gt 10 ]; then
	echo "run.sh: at most 10 steps" >&2
	exit 2
fi
for v in "${RATE_LIST[@]}" "${CONC_LIST[@]}" "$HOLD" ${CALLS_OPT:+"$CALLS_OPT"}; do
	if ! [[ $v =~ ^[1-9][0-9]*$ ]]; then
		echo "run.sh: -r, -c, -n and -H take positive integers, got '$v'" >&2
		exit 2
	fi
done
if ! [[ $DECLINE =~ ^[0-9]+$ ]] || [ "$DECLINE" -gt 100 ]; then
	echo "run.sh: -d must be 0..100, got '$DECLINE'" >&2
	exit 2
fi
for c in "${CONC_LIST[@]}"; do
	# Each concurrent call takes two RTP/RTCP port pairs; the window below 32768 (the
	# kernel's ephemeral range) bounds how many fit.
	if [ "$c" -gt 2000 ]; then
		echo "run.sh: -c above 2000 does not fit the loopback port window" >&2
		exit 2
	fi
done
TOOLS=(go sipp curl ss soxi sha256sum timeout getconf pgrep)
[ "$PEER" -eq 1 ] && TOOLS+=(kamailio rtpengine)
for tool in "${TOOLS[@]}"; do
	command -v "$tool" >/dev/null || { echo "run.sh: needs '$tool' on PATH" >&2; exit 2; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: SIPp plays the RFC 2833 pcaps through a raw socket: run as root" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/testdata/load"
PEER_DIR="$ROOT/testdata/peer"
SIPP_DIR="$ROOT/testdata/sipp"
AUDIO="$ROOT/testdata/audio"
PROMPT="$AUDIO/prompt-short.wav"
for d in 1 2; do
	[ -r "/usr/share/sip-tester/dtmf_2833_$d.pcap" ] || { echo "run.sh: missing /usr/share/sip-tester/dtmf_2833_$d.pcap (Debian package sip-tester)" >&2; exit 2; }
done
KAMAILIO_MODULES=""
if [ "$PEER" -eq 1 ]; then
	KAMAILIO_MODULES=$(dirname "$(find /usr/lib -path '*kamailio/modules/rtpengine.so' -print -quit 2>/dev/null)")
	[ -r "$KAMAILIO_MODULES/rtpengine.so" ] || { echo "run.sh: Kamailio's rtpengine module is missing (Debian kamailio-extra-modules)" >&2; exit 2; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/consentgw-load.XXXXXX")
PIDS=() # every process started, in start order; cleanup stops them in reverse
HZ=$(getconf CLK_TCK)

log() { printf '[run.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# stop_all PID...: SIGTERM, then SIGKILL after a bounded wait.
stop_all() {
	local i pid deadline args=("$@")
	for ((i = ${#args[@]} - 1; i >= 0; i--)); do
		kill -TERM "${args[i]}" 2>/dev/null || true
	done
	deadline=$((SECONDS + 10))
	for pid in "${args[@]}"; do
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	return 0
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ ${#PIDS[@]} -gt 0 ] && stop_all "${PIDS[@]}"
	wait 2>/dev/null
	if [ -n "$OUT" ]; then
		mkdir -p "$OUT"
		(cd "$TMP" && find . -name data -prune -o -type f \( -name '*.log' -o -name '*.csv' -o -name '*.txt' -o -name '*.yaml' -o -name '*.md' \) -print |
			while read -r f; do mkdir -p "$OUT/$(dirname "$f")" && cp "$f" "$OUT/$f"; done)
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

# cpu_ticks PID...: utime + stime summed over the processes; NA when one is gone.
cpu_ticks() {
	local pid v sum=0
	for pid in "$@"; do
		v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || true)
		[ -n "$v" ] || { echo NA; return; }
		sum=$((sum + v))
	done
	echo "$sum"
}
# mem_kib PID...: resident memory in KiB. One process: VmRSS and VmHWM. Several
# (Kamailio's workers share memory): the sum of their Pss, twice (no HWM for it).
mem_kib() {
	local v
	if [ $# -eq 1 ]; then
		v=$(awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{if (r != "" && h != "") print r, h}' "/proc/$1/status" 2>/dev/null || true)
	else
		v=$(for pid in "$@"; do awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null; done | awk '{s += $1} END{if (NR) print s, s}')
	fi
	echo "${v:-NA NA}"
}
# udp_sockets LO HI: "inode drops" of every loopback UDP socket bound to a port in
# LO..HI (/proc/net/udp: local address is hex "0100007F:PORT", drops the last column).
udp_sockets() {
	awk -v lo="$1" -v hi="$2" '
		function hex(s,   i, n, c) { n = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1; n = n * 16 + c } return n }
		NR > 1 { split($2, a, ":"); p = hex(a[2]); if (p >= lo && p <= hi) print $10, $NF }' /proc/net/udp
}
# stat_last FILE COLUMN: the column's value on the last line of a SIPp -trace_stat CSV.
stat_last() {
	[ -s "$1" ] || { echo NA; return; }
	awk -F';' -v col="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == col) c = i} END{print (c ? $c : "NA")}' "$1"
}
# started_after FILE N: seconds (ElapsedTime(C)) until the caller had placed N calls.
started_after() {
	[ -s "$1" ] || { echo NA; return; }
	awk -F';' -v n="$2" 'NR == 1 {for (i = 1; i <= NF; i++) {if ($i == "OutgoingCall(C)") o = i; if ($i == "ElapsedTime(C)") e = i}; next}
		$o + 0 >= n {split($e, t, ":"); print t[1] * 3600 + t[2] * 60 + t[3]; found = 1; exit}
		END {if (!found) print "NA"}' "$1"
}
fig() { awk "BEGIN{$1}" </dev/null; }
num() { [[ $1 =~ ^[0-9.]+$ ]]; }
# more ON OFF: how much more ON is than OFF, in percent, or NA (a short hold has no plateau).
more() { if num "$1" && num "$2"; then echo "$(fig "printf \"%+.1f\", ($1 / $2 - 1) * 100") %"; else echo NA; fi; }

# wait_port PORT WHAT PID: until something listens on UDP 127.0.0.1:PORT (10 s bound).
wait_port() {
	local deadline=$((SECONDS + 10))
	until [ -n "$(ss -Hlun "sport = :$1")" ]; do
		kill -0 "$3" 2>/dev/null || die "$2 exited before listening on $1"
		[ $SECONDS -lt $deadline ] || die "$2 not listening on $1 within 10 s"
		sleep 0.05
	done
}

# pick_window SIZE: the first port of a free, even-aligned loopback window below the
# ephemeral range (random tries, bounded).
pick_window() {
	local used b
	used=$(ss -Htanu | awk '{n = split($5, a, ":"); print a[n]}' | sort -un)
	for _ in $(seq 1 100); do
		b=$((10000 + (RANDOM * 2) % (32768 - 10000 - $1)))
		b=$((b - b % 2))
		if ! awk -v lo="$b" -v hi="$((b + $1))" '$1 >= lo && $1 < hi {found = 1} END{exit !found}' <<<"$used"; then
			echo "$b"
			return
		fi
	done
	die "no free loopback port window of $1 ports"
}

# --- build once -------------------------------------------------------------------
log "building consentgw"
BIN="$TMP/consentgw"
(cd "$ROOT" && timeout 600 go build -o "$BIN" ./cmd/consentgw) || die "go build failed"

PROMPT_MS=$(soxi -D "$PROMPT" | awk '{printf "%d", $1 * 1000 + 0.5}')
HOLD_MS=$((HOLD * 1000))
CALL_S=$(fig "print ($PROMPT_MS + $HOLD_MS) / 1000")
sipp_common=(-i 127.0.0.1 -mi 127.0.0.1 -ci 127.0.0.1 -t u1 -nostdin -aa
	-watchdog_minor_maxtriggers 1000000 -watchdog_major_maxtriggers 1000000
	-timeout_error -trace_err -trace_stat -fd 1 -trace_screen)

ROWS="$TMP/rows.md" # one Markdown row per phase
PROBLEMS="$TMP/problems.txt"
: >"$ROWS"
: >"$PROBLEMS"
problem() { echo "$PHASE: $*" >>"$PROBLEMS"; }

# run_phase SYSTEM RATE CONC CALLS DECLINE_PCT: one bounded load run against SYSTEM
# (gateway or peer); appends a row to $ROWS and problems to $PROBLEMS.
run_phase() {
	local system=$1 rate=$2 conc=$3 calls=$4 decline=$5 encryption=${6:-keys}
	PHASE="$system r=$rate c=$conc d=$decline% encryption=$encryption"
	local dir="$TMP/$system-r$rate-c$conc-d$decline-$encryption"
	mkdir -p "$dir"
	local phase_pids=()

	# Calls split by kind: consenting callers press 1, declining ones press 2.
	local n_dec=$(((calls * decline + 50) / 100))
	local n_con=$((calls - n_dec))
	local l_dec=$(((conc * decline + 50) / 100))
	local l_con=$((conc - l_dec))
	[ "$n_dec" -gt 0 ] && [ "$l_dec" -eq 0 ] && l_dec=1
	[ "$n_con" -gt 0 ] && [ "$l_con" -eq 0 ] && l_con=1

	# Ports: signalling and control at the bottom of one window, media above.
	local media_size=$((conc * 8 > 200 ? conc * 8 : 200))
	local base
	base=$(pick_window $((64 + media_size)))
	local sip_port=$base rec_port=$((base + 2)) norec_port=$((base + 4))
	local con_port=$((base + 6)) dec_port=$((base + 8)) nats_port=$((base + 10)) http_port=$((base + 11))
	local ng_port=$((base + 12)) cp0=$((base + 14)) mp0=$((base + 32))
	local media_min=$((base + 64)) media_max=$((base + 64 + media_size - 1))
	local http="http://127.0.0.1:$http_port"

	# Bounds, generous for a loaded 2-core machine: every call started at the rate,
	# each wave of calls lasts a call plus its ramp, and a minute of slack.
	local waves=$(((calls + conc - 1) / conc))
	local caller_timeout=$((calls / rate + waves * (PROMPT_MS / 1000 + HOLD + 2 + conc / rate) + 60))
	local agent_timeout=$((caller_timeout + 20))
	local sys_timeout=$((agent_timeout + 180))

	local sys_pids=() gw_pid="" tpid
	if [ "$system" = gateway ]; then
		local data="$dir/data"
		mkdir -p "$data"
		sed -e "s|@DATA_DIR@|$data|" -e "s|@SIP_PORT@|$sip_port|g" -e "s|@MEDIA_MIN@|$media_min|" \
			-e "s|@MEDIA_MAX@|$media_max|" -e "s|@PROMPT@|$PROMPT|" -e "s|@RECORD_PORT@|$rec_port|g" \
			-e "s|@NORECORD_PORT@|$norec_port|g" -e "s|@NATS_PORT@|$nats_port|" -e "s|@HTTP_PORT@|$http_port|" \
			-e "s|@ENCRYPTION@|$encryption|" \
			"$HERE/consentgw.yaml.in" >"$dir/consentgw.yaml"
		if grep -q '@[A-Z_]*@' "$dir/consentgw.yaml"; then
			die "config template has an unfilled placeholder: $(grep -o '@[A-Z_]*@' "$dir/consentgw.yaml" | head -n1)"
		fi
		log "$PHASE: gateway SIP 127.0.0.1:$sip_port, media $media_min-$media_max"
		timeout -k 5 "$sys_timeout" "$BIN" serve -c "$dir/consentgw.yaml" >"$dir/gateway.stdout.log" 2>"$dir/gateway.log" &
		tpid=$!
		PIDS+=("$tpid")
		phase_pids+=("$tpid")
		gw_pid=$(child_of "$tpid") || die "gateway did not start: $(tail -n5 "$dir/gateway.log")"
		PIDS+=("$gw_pid")
		phase_pids+=("$gw_pid")
		sys_pids=("$gw_pid")
		local deadline=$((SECONDS + 30))
		until curl -fsS --max-time 1 "$http/readyz" >/dev/null 2>&1; do
			kill -0 "$gw_pid" 2>/dev/null || die "gateway exited before ready: $(tail -n5 "$dir/gateway.log")"
			[ $SECONDS -lt $deadline ] || die "gateway not ready within 30 s"
			sleep 0.1
		done
	else
		log "$PHASE: Kamailio 127.0.0.1:$sip_port, rtpengine ng $ng_port, media $media_min-$media_max"
		timeout -k 5 "$sys_timeout" rtpengine --config-file="$PEER_DIR/rtpengine.conf" \
			--listen-ng="127.0.0.1:$ng_port" --port-min="$media_min" --port-max="$media_max" \
			--pidfile="$dir/rtpengine.pid" >"$dir/rtpengine.log" 2>&1 &
		tpid=$!
		PIDS+=("$tpid")
		phase_pids+=("$tpid")
		local rtpe_pid
		rtpe_pid=$(child_of "$tpid") || die "rtpengine did not start: $(tail -n5 "$dir/rtpengine.log")"
		PIDS+=("$rtpe_pid")
		phase_pids+=("$rtpe_pid")
		wait_port "$ng_port" rtpengine "$rtpe_pid"
		# -DD: stay in the foreground (a child of timeout) with its worker processes.
		timeout -k 5 "$sys_timeout" kamailio -f "$PEER_DIR/kamailio.cfg" -DD -E -w "$dir" \
			-l "udp:127.0.0.1:$sip_port" -A "AGENT_URI=\"sip:127.0.0.1:$norec_port\"" \
			-A "RTPENGINE_SOCK=\"udp:127.0.0.1:$ng_port\"" -A "MPATH=\"$KAMAILIO_MODULES/\"" \
			>"$dir/kamailio.log" 2>&1 &
		tpid=$!
		PIDS+=("$tpid")
		phase_pids+=("$tpid")
		local kam_pid
		kam_pid=$(child_of "$tpid") || die "Kamailio did not start: $(tail -n5 "$dir/kamailio.log")"
		PIDS+=("$kam_pid")
		phase_pids+=("$kam_pid")
		wait_port "$sip_port" Kamailio "$kam_pid"
		sleep 0.5 # its workers fork right after the socket is bound
		local kids
		kids=$(pgrep -P "$kam_pid" | tr '\n' ' ')
		# shellcheck disable=SC2206
		sys_pids=("$rtpe_pid" "$kam_pid" $kids)
	fi

	# Agents: the gateway's record target expects "granted", its non-record target
	# "declined"; the peer sends every call to the non-record agent and adds
	# "declined" itself (it records nothing).
	local agents=() agent_n
	start_agent() { # start_agent PORT CONSENT CALLS INDEX
		timeout -k 5 $((agent_timeout + 10)) sipp -sf "$SIPP_DIR/agent.xml" "${sipp_common[@]}" \
			-p "$1" -mp $((mp0 + $4 * 8)) -cp $((cp0 + $4)) -m "$3" -l $((conc * 2 + 10)) \
			-timeout "${agent_timeout}s" -error_file "$dir/agent_$2_errors.log" -stf "$dir/agent_$2_stat.csv" \
			-screen_file "$dir/agent_$2_screen.log" \
			-key consent "$2" -key pt 0 -key codec PCMU -key audio "$AUDIO/agent-1000hz.ulaw,-1,0" \
			>"$dir/agent_$2.stdout.log" 2>&1 &
		local t=$! p
		PIDS+=("$t")
		phase_pids+=("$t")
		p=$(child_of "$t") || die "SIPp agent did not start: $(tail -n5 "$dir/agent_$2.stdout.log")"
		PIDS+=("$p")
		phase_pids+=("$p")
		agents+=("$t:$2:$p")
		wait_port "$1" "SIPp agent" "$p"
	}
	if [ "$system" = gateway ]; then
		[ "$n_con" -gt 0 ] && start_agent "$rec_port" granted "$n_con" 0
		[ "$n_dec" -gt 0 ] && start_agent "$norec_port" declined "$n_dec" 1
	else
		start_agent "$norec_port" declined "$calls" 1
	fi

	read -r base_rss _ < <(mem_kib "${sys_pids[@]}")
	local cpu0
	cpu0=$(cpu_ticks "${sys_pids[@]}")

	# Callers: the rate is split by kind with SIPp's rate period (-rp 100 s) so that
	# both together place RATE calls a second.
	local callers=()
	start_caller() { # start_caller KIND DIGIT CALLS LIMIT SHARE_PCT INDEX
		timeout -k 5 $((caller_timeout + 10)) sipp -sf "$SIPP_DIR/caller_rfc4733.xml" "127.0.0.1:$sip_port" "${sipp_common[@]}" \
			-p $((con_port + $6 * 2)) -mp $((mp0 + (2 + $6) * 8)) -cp $((cp0 + 2 + $6)) \
			-m "$3" -l "$4" -r $((rate * $5)) -rp 100000 \
			-timeout "${caller_timeout}s" -error_file "$dir/caller_$1_errors.log" -stf "$dir/caller_$1_stat.csv" \
			-screen_file "$dir/caller_$1_screen.log" \
			-key caller "+45200000$6$6" -key callee +4587654321 -key pt 0 -key codec PCMU \
			-key audio "$AUDIO/caller-440hz.ulaw,-1,0" -key digit_delay "$PROMPT_MS" \
			-key dtmf_pcap "/usr/share/sip-tester/dtmf_2833_$2.pcap" -key hold "$HOLD_MS" \
			>"$dir/caller_$1.stdout.log" 2>&1 &
		local t=$! p
		PIDS+=("$t")
		phase_pids+=("$t")
		p=$(child_of "$t") || die "SIPp caller did not start: $(tail -n5 "$dir/caller_$1.stdout.log")"
		PIDS+=("$p")
		phase_pids+=("$p")
		callers+=("$t:$1:$p:$3")
	}
	log "$PHASE: $calls calls ($n_con press 1, $n_dec press 2), $conc at once, $rate cps, ${PROMPT_MS} ms prompt + ${HOLD} s hold"
	local t0=$EPOCHREALTIME w0=$SECONDS
	[ "$n_con" -gt 0 ] && start_caller consenting 1 "$n_con" "$l_con" $((100 - decline)) 0
	[ "$n_dec" -gt 0 ] && start_caller declining 2 "$n_dec" "$l_dec" "$decline" 1
	local sipp_pids=() c
	for c in "${callers[@]}" "${agents[@]}"; do sipp_pids+=("$(cut -d: -f3 <<<"$c")"); done

	# Sampler, once a second: time, system CPU ticks, memory, active calls (gateway),
	# media sockets, SIPp CPU ticks; and every media socket's drop counter.
	(
		trap - EXIT INT TERM
		while kill -0 "${sys_pids[0]}" 2>/dev/null; do
			local active=NA socks
			if [ -n "$gw_pid" ]; then
				active=$(curl -fsS --max-time 1 "$http/metrics" 2>/dev/null | awk '{ n = $1; gsub(/node="[^"]*",?/, "", n); sub(/,}$/, "}", n); sub(/{}$/, "", n) } n == "consentgw_active_calls" {print $2}' || true)
			fi
			socks=$(udp_sockets "$media_min" "$media_max" | tee -a "$dir/drops.txt" | wc -l)
			echo "$EPOCHREALTIME $(cpu_ticks "${sys_pids[@]}") $(mem_kib "${sys_pids[@]}") ${active:-NA} $socks $(cpu_ticks "${sipp_pids[@]}")"
			sleep 1
		done
	) >"$dir/samples.txt" &
	local sampler=$!
	PIDS+=("$sampler")
	phase_pids+=("$sampler")

	local rc kind t
	local sipp_rcs="" agents_until=""
	for c in "${callers[@]}" "${agents[@]}"; do
		t=${c%%:*}
		kind=$(cut -d: -f2 <<<"$c")
		if [ -z "$agents_until" ] && [[ " ${agents[*]} " == *" $c "* ]]; then
			# The callers are done: an agent still waiting 30 s later lost calls (SIPp
			# aborted them); stop it instead of waiting for its own timeout.
			agents_until=$((SECONDS + 30))
		fi
		if [ -n "$agents_until" ]; then
			while kill -0 "$t" 2>/dev/null && [ $SECONDS -lt $agents_until ]; do sleep 0.2; done
			if kill -0 "$t" 2>/dev/null; then
				problem "SIPp $kind still waiting for calls 30 s after the callers ended"
				kill -TERM "$t" 2>/dev/null || true
			fi
		fi
		rc=0
		wait "$t" || rc=$?
		sipp_rcs+="$kind=$rc "
		[ "$rc" -eq 0 ] || problem "SIPp $kind exited $rc"
	done
	local wall=$((SECONDS - w0))
	log "$PHASE: SIPp done in ${wall} s ($sipp_rcs)"

	# The gateway stores recordings and receipts after each call: wait (bounded).
	local recordings=NA receipts=NA
	if [ "$system" = gateway ]; then
		local deadline=$((SECONDS + 60))
		while :; do
			recordings=$({ find "$data/objects/recordings" -type f \( -name '*.wav' -o -name '*.sealed' \) 2>/dev/null || true; } | wc -l)
			receipts=$({ find "$data/objects/consent" -type f -name '*.json' 2>/dev/null || true; } | wc -l)
			[ "$recordings" -ge "$n_con" ] && [ "$receipts" -ge "$calls" ] && break
			[ $SECONDS -lt $deadline ] || { problem "store still short after 60 s"; break; }
			kill -0 "$gw_pid" 2>/dev/null || { problem "gateway exited during the run"; break; }
			sleep 0.2
		done
		curl -fsS --max-time 5 "$http/metrics" >"$dir/metrics.txt" 2>/dev/null || : >"$dir/metrics.txt"
	fi
	local cpu1 end_hwm
	cpu1=$(cpu_ticks "${sys_pids[@]}")
	read -r _ end_hwm < <(mem_kib "${sys_pids[@]}")
	kill -TERM "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	# Encrypted recordings are decrypted for the checks below while the gateway (its key
	# store) still runs, after the CPU figures were read.
	if [ "$system" = gateway ] && [ "$encryption" != off ]; then
		mkdir -p "$dir/decrypted"
		(cd "$data/objects" && find recordings -name '*.sealed') |
			xargs -r -P 2 -I{} sh -c '"$1" decrypt -c "$2" -o "$3/$(basename "$4" .sealed).wav" "$4" 2>>"$3/decrypt.log"' _ "$BIN" "$dir/consentgw.yaml" "$dir/decrypted" {} || true
	fi
	if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
		kill -TERM "$gw_pid"
		local deadline=$((SECONDS + 45)) # the gateway's own 30 s shutdown grace, bounded
		while kill -0 "$gw_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
		rc=0
		wait "${phase_pids[0]}" || rc=$?
		[ "$rc" -eq 0 ] || problem "gateway exited $rc after SIGTERM"
	fi
	stop_all "${phase_pids[@]}"
	wait "${phase_pids[@]}" 2>/dev/null || true

	# --- figures ------------------------------------------------------------------
	local ok=0 failed=0 v started=0 s
	for c in "${callers[@]}"; do
		kind=$(cut -d: -f2 <<<"$c")
		v=$(stat_last "$dir/caller_${kind}_stat.csv" "SuccessfulCall(C)")
		num "$v" && ok=$((ok + v))
		v=$(stat_last "$dir/caller_${kind}_stat.csv" "FailedCall(C)")
		num "$v" && failed=$((failed + v))
		s=$(started_after "$dir/caller_${kind}_stat.csv" "$(cut -d: -f4 <<<"$c")")
		if num "$s"; then [ "$s" -gt "$started" ] && started=$s; else started=NA; fi
	done
	for c in "${agents[@]}"; do
		kind=$(cut -d: -f2 <<<"$c")
		v=$(stat_last "$dir/agent_${kind}_stat.csv" "FailedCall(C)")
		num "$v" && failed=$((failed + v))
	done
	[ "$ok" -eq "$calls" ] || problem "successful calls $ok, want $calls"
	[ "$failed" -eq 0 ] || problem "failed calls (callers and agents): $failed"
	local cps=NA
	if num "$started" && [ "$started" -gt 0 ]; then cps=$(fig "printf \"%.1f\", $calls / $started"); fi

	# Plateau: from when the last call of the first wave has heard the prompt and
	# pressed its digit to just before the first call hangs up, every call is only
	# relaying (and, if granted, recording): CPU per call-second over that window.
	local p_from p_to
	p_from=$(fig "printf \"%.3f\", $t0 + ($conc - 1) / $rate + $PROMPT_MS / 1000 + 1.5")
	p_to=$(fig "printf \"%.3f\", $t0 + ($PROMPT_MS + $HOLD_MS) / 1000 - 0.5")
	local plateau peak_socks steady_calls
	read -r plateau steady_calls peak_socks < <(awk -v from="$p_from" -v to="$p_to" -v hz="$HZ" '
		$6 + 0 > pk {pk = $6 + 0}
		$1 >= from && $1 <= to && $2 != "NA" {
			if (!n) {t1 = $1; c1 = $2}
			t2 = $1; c2 = $2; calls += $6 / 4; n++
		}
		END {
			if (n >= 3 && t2 - t1 >= 2 && calls > 0)
				printf "%.3f %.0f %d\n", (c2 - c1) / hz * 1000 / ((calls / n) * (t2 - t1)), calls / n, pk / 4
			else
				printf "NA NA %d\n", pk / 4
		}' "$dir/samples.txt")

	local call_seconds cpu_ms mem_per_call
	call_seconds=$(fig "printf \"%.1f\", $calls * $CALL_S")
	cpu_ms=$(fig "printf \"%.3f\", ($cpu1 - $cpu0) / $HZ * 1000 / $call_seconds")
	if [ "$peak_socks" -gt 0 ] && num "$end_hwm" && num "$base_rss"; then
		mem_per_call=$(fig "printf \"%.0f\", ($end_hwm - $base_rss) / $peak_socks")
	else
		mem_per_call=NA
	fi
	# Peer: no HWM for the Pss sum; take the highest sample.
	if [ "$system" = peer ] && [ "$peak_socks" -gt 0 ]; then
		mem_per_call=$(awk -v b="$base_rss" -v n="$peak_socks" '$3 != "NA" && $3 + 0 > m {m = $3 + 0} END{printf "%.0f", (m - b) / n}' "$dir/samples.txt")
	fi

	# Loss: datagrams the kernel dropped at the relay's own media sockets (receive
	# queue full: the relay did not read in time), over the packets the callers and
	# agents sent into it (50 a second per leg and direction while the leg is up).
	local drops in_pkts loss
	drops=$(awk '{if ($2 + 0 > m[$1]) m[$1] = $2 + 0} END{for (i in m) s += m[i]; print s + 0}' "$dir/drops.txt" 2>/dev/null || echo 0)
	if [ "$system" = gateway ]; then
		in_pkts=$(fig "printf \"%.0f\", $calls * 50 * ($PROMPT_MS / 1000 + 2 * $HOLD)")
	else
		in_pkts=$(fig "printf \"%.0f\", $calls * 50 * 2 * ($PROMPT_MS / 1000 + $HOLD)")
	fi
	loss=$(fig "printf \"%.3f\", $drops * 100 / $in_pkts")
	if awk -v l="$loss" 'BEGIN{exit !(l > 0.1)}'; then problem "packet loss $loss % above 0.1 %"; fi

	# Decisions and recordings: every receipt's decision is what its caller pressed,
	# and every recording is a stereo 8 kHz WAV whose sha256 its metadata names, at least
	# half the hold long (it starts when the agent answers, later under load); an
	# encrypted one is checked by its sha256 and the WAV it decrypts to.
	local decisions="n/a" valid="n/a" rec_dropped="n/a"
	if [ "$system" = gateway ]; then
		local granted declined
		# One line per receipt, whitespace removed, whatever the JSON's layout.
		find "$data/objects/consent" -name '*.json' -exec sh -c 'for f; do tr -d " \n\t" <"$f"; echo; done' _ {} + >"$dir/receipts.txt" 2>/dev/null || true
		granted=$(grep '"decision":"granted"' "$dir/receipts.txt" | grep -c '"digit":"1"' || true)
		declined=$(grep '"decision":"declined"' "$dir/receipts.txt" | grep -c '"digit":"2"' || true)
		decisions="$((granted + declined)) of $calls"
		[ "$granted" -eq "$n_con" ] && [ "$declined" -eq "$n_dec" ] ||
			problem "decisions: $granted granted by 1 (want $n_con), $declined declined by 2 (want $n_dec), $receipts receipts"
		local good=0 rec wav meta sum
		while IFS= read -r rec; do
			meta=${rec%.*}.json
			wav=$rec
			[ "${rec##*.}" = sealed ] && wav="$dir/decrypted/$(basename "$rec" .sealed).wav"
			sum=$(sha256sum "$rec" | cut -d' ' -f1)
			if [ "$(soxi -c "$wav" 2>/dev/null)" = 2 ] && [ "$(soxi -r "$wav" 2>/dev/null)" = 8000 ] &&
				awk -v d="$(soxi -D "$wav" 2>/dev/null || echo 0)" -v h="$HOLD" 'BEGIN{exit !(d >= h / 2)}' &&
				tr -d ' \n\t' <"$meta" 2>/dev/null | grep -q "\"sha256\":\"$sum\""; then
				good=$((good + 1))
			fi
		done < <(find "$data/objects/recordings" \( -name '*.wav' -o -name '*.sealed' \) 2>/dev/null)
		valid="$good of $n_con"
		[ "$good" -eq "$n_con" ] && [ "$recordings" -eq "$n_con" ] ||
			problem "recordings: $recordings stored, $good valid, want $n_con"
		rec_dropped=$(awk '{ n = $1; gsub(/node="[^"]*",?/, "", n); sub(/,}$/, "}", n); sub(/{}$/, "", n) } n == "consentgw_recorder_dropped_packets_total" {s += $2} END{print s + 0}' "$dir/metrics.txt")
		local errors
		errors=$(grep -c 'level=ERROR' "$dir/gateway.log" || true)
		[ "$errors" -eq 0 ] || problem "$errors ERROR lines in the gateway log"
	fi

	local sipp_ms
	sipp_ms=$(awk -v hz="$HZ" -v cs="$call_seconds" '$NF != "NA" {t = $NF} END{printf "%.3f", t / hz * 1000 / cs}' "$dir/samples.txt")
	local label=$system
	[ "$system" = gateway ] && [ "$encryption" = off ] && label="gateway (encryption off)"
	echo "| $label | $rate | $conc | $decline % | $calls | $failed | $cps | $peak_socks | $cpu_ms | $plateau | $mem_per_call | $loss % ($drops) | $decisions | $valid | $rec_dropped | $sipp_ms |" >>"$ROWS"
	echo "$plateau" >"$dir/plateau.txt"
	PLATEAU=$plateau
	CPU_MS=$cpu_ms
	return 0
}

RATIOS=()
ENC_RATIOS=()
for i in "${!RATE_LIST[@]}"; do
	rate=${RATE_LIST[i]}
	conc=${CONC_LIST[i]}
	calls=${CALLS_OPT:-$conc}
	if [ $((HOLD * rate)) -lt $((conc + 4 * rate)) ]; then
		log "note: -H $HOLD is shorter than the ramp of $conc calls at $rate cps plus 4 s: no plateau figure"
	fi
	run_phase gateway "$rate" "$conc" "$calls" "$DECLINE"
	if [ "$ENC_OFF" -eq 1 ]; then
		on_cpu=$CPU_MS on_plateau=$PLATEAU
		run_phase gateway "$rate" "$conc" "$calls" "$DECLINE" off
		ENC_RATIOS+=("| $rate | $conc | $DECLINE % | $on_cpu | $CPU_MS | $(more "$on_cpu" "$CPU_MS") | $on_plateau | $PLATEAU | $(more "$on_plateau" "$PLATEAU") |")
	fi
	if [ "$PEER" -eq 1 ]; then
		relay=NA
		if [ "$DECLINE" -ne 100 ]; then
			run_phase gateway "$rate" "$conc" "$calls" 100
		fi
		relay=$PLATEAU
		run_phase peer "$rate" "$conc" "$calls" "$DECLINE"
		if num "$relay" && num "$PLATEAU" && awk -v p="$PLATEAU" 'BEGIN{exit !(p > 0)}'; then
			RATIOS+=("| $rate | $conc | $relay | $PLATEAU | $(fig "printf \"%.2f\", $relay / $PLATEAU") |")
		else
			RATIOS+=("| $rate | $conc | $relay | $PLATEAU | NA |")
		fi
	fi
done

CMD="testdata/load/run.sh${ORIG_ARGS:+ $ORIG_ARGS}"
{
	echo
	echo "### consentgw load run"
	echo
	echo "\`$CMD\` ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); each call ${PROMPT_MS} ms prompt + ${HOLD} s hold, G.711 µ-law 20 ms both ways, digit by RFC 4733)"
	echo
	echo "| system | cps set | calls held set | declining | calls | failed | cps reached | peak calls held | CPU ms per call-second (whole run) | CPU ms per call-second (relay plateau) | RSS KiB per call | loss at the relay | decisions correct | recordings valid | recorder dropped packets | SIPp CPU ms per call-second |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$ROWS"
	if [ ${#RATIOS[@]} -gt 0 ]; then
		echo
		echo "Relay CPU, consentgw (only declining callers, after the prompt) vs Kamailio + rtpengine (userspace), ms per call-second on the plateau:"
		echo
		echo "| cps | calls held | consentgw | Kamailio + rtpengine | ratio |"
		echo "|---|---|---|---|---|"
		printf '%s\n' "${RATIOS[@]}"
	fi
	if [ ${#ENC_RATIOS[@]} -gt 0 ]; then
		echo
		echo "Encryption at rest, gateway CPU ms per call-second with encryption.mode keys (every recording encrypted per party) and off, in the same run:"
		echo
		echo "| cps | calls held | declining | keys (whole run) | off (whole run) | more | keys (plateau) | off (plateau) | more |"
		echo "|---|---|---|---|---|---|---|---|---|"
		printf '%s\n' "${ENC_RATIOS[@]}"
	fi
} | tee "$TMP/report.md"

if [ -s "$PROBLEMS" ]; then
	echo
	while read -r p; do echo "FAIL: $p"; done <"$PROBLEMS"
	for f in "$TMP"/*/gateway.log; do
		[ -f "$f" ] || continue
		if grep -qE 'level=(ERROR|WARN)' "$f"; then
			echo
			echo "$(basename "$(dirname "$f")"): gateway ERROR and WARN lines (first 20):"
			grep -E 'level=(ERROR|WARN)' "$f" | head -n 20 || true
		fi
	done
	for f in "$TMP"/*/*_errors.log; do
		if [ -s "$f" ]; then
			echo
			echo "$(basename "$(dirname "$f")")/$(basename "$f") (first 10 lines):"
			head -n 10 "$f"
		fi
	done
	exit 1
fi
exit 0
