#!/bin/bash
# demo/run.sh: the live demo (SPEC 12). A service of four workers serves
# a steady load while it is broken three ways; each offender is found
# and killed on the live system with tendctl; then a fix is deployed.
# The load counts every request, and the script ends with a table per
# second, a chart, and exit status 1 if any request failed.
#
#   demo/run.sh [--short] [--naive] [--rate N] [--build DIR] [--out DIR]
#
#   --short     steps of a couple of seconds (the test suite runs this)
#   --naive     requests fail (refused, reset, timed out): the same
#               story the way most supervisors run it. Each worker binds
#               the port itself (no socket held by the supervisor), the
#               deploy is a plain stop-then-start (`tendctl stop web`,
#               reload, `tendctl start web`), the hog and the loop are
#               killed without a limit; the run then exits 1. These are
#               the failures that held sockets and a start_first
#               handover avoid.
#   --rate N    requests a second (default 1000, 500 with --short)
#   --build DIR the build to run (default: build/ of this checkout,
#               built with meson if its binaries are missing)
#   --out DIR   where the table, the chart and the logs go (default:
#               DIR/demo-run under the build)
#
# Run it as root from the root of a clone, after `.ci/demo`'s build
# (meson setup build && meson compile -C build). It starts tend with
# demo/tend.conf on a socket of its own, the load with demo-load, and
# stops everything it started whatever happens (Ctrl-C included).
# Exit status: 0 if every request was served and every step saw what
# it expected; 1 if not; 77 (skipped) when this tend does not support
# yet what the story needs (it says which); 2 on a usage error.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
short=0
naive=0
rate=""
build="$root/build"
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	--naive) naive=1 ;;
	--rate) rate=${2:?--rate N}; shift ;;
	--build) build=${2:?--build DIR}; shift ;;
	--out) out=${2:?--out DIR}; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$short" = 1 ]; then
	step=2 # seconds each step is left to run under load
	: "${rate:=500}"
else
	step=8
	: "${rate:=1000}"
fi
case $rate in '' | *[!0-9]*) echo "demo/run.sh: --rate N" >&2; exit 2 ;; esac
build=$(cd "$build" 2>/dev/null && pwd) || {
	echo "demo/run.sh: no build directory $build" >&2
	exit 2
}
: "${out:=$build/demo-run}"
# demo/tend.conf's port, or the next free one (another run of the demo,
# say another checkout's test suite, may hold it)
port=18480
tend=$build/supervisord/tend
tendctl=$build/ctl/tendctl
load=$build/demo/demo-load
report=$build/demo/demo-report

# ------------------------------------------------------------ build, checks

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: demo/run.sh runs as root (cgroups, /run); this is uid $(id -u)"
	exit 77
fi
if [ ! -x "$tend" ] || [ ! -x "$tendctl" ] || [ ! -x "$load" ] ||
    [ ! -x "$build/demo/demo-service" ] || [ ! -x "$report" ]; then
	echo "Building $build (meson compile) ..."
	[ -f "$build/build.ninja" ] || meson setup "$build" "$root" || exit 1
	meson compile -C "$build" || exit 1
fi
mkdir -p "$out" || exit 1

# Whether something listens on TCP port $1 (IPv4 or IPv6, any address).
port_busy() {
	awk -v p=":$(printf '%04X' "$1")\$" \
	    '$4 == "0A" && $2 ~ p { busy = 1 } END { exit !busy }' \
	    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
first_port=$port
while port_busy "$port"; do
	port=$((port + 1))
	if [ $port -ge $((first_port + 100)) ]; then
		echo "demo/run.sh: ports $first_port to $((port - 1)) are all in use" >&2
		exit 1
	fi
done
addr=127.0.0.1:$port
[ "$port" = "$first_port" ] ||
    echo "Port $first_port is in use: the demo serves on $addr instead."

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-demo.XXXXXX") || exit 1
sock=$work/tend.sock
marks=$work/marks
conf=$work/tend.conf
tend_pid=""
load_pid=""
extra_pids=""
failed_checks=0
: >"$marks"

# Stop what this script started, whatever happened: the load, then tend
# (which stops its tree in order), then anything of the tree that a
# killed tend could have left (the runaways seen on the way).
cleanup() {
	trap '' INT TERM HUP
	set +e
	if [ -n "$load_pid" ]; then
		kill -TERM "$load_pid" 2>/dev/null
		wait "$load_pid" 2>/dev/null
	fi
	if [ -n "$tend_pid" ] && kill -0 "$tend_pid" 2>/dev/null; then
		kill -TERM "$tend_pid" 2>/dev/null
		for _ in $(seq 150); do
			kill -0 "$tend_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$tend_pid" 2>/dev/null
		wait "$tend_pid" 2>/dev/null
	fi
	for p in $extra_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${keep_log:-}" ] && [ -f "$work/tend.log" ]; then
		cp "$work/tend.log" "$out/tend.log"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo/run.sh: interrupted; stopping everything"; exit 130' INT TERM HUP

say() {
	printf '\n%s\n' "$*"
}

# Print a tendctl command, run it, indent what it prints; its status.
ctl() {
	local rc
	printf '\n  $ tendctl %s\n' "$*"
	"$tendctl" -s "$sock" "$@" >"$work/ctl.out" 2>&1
	rc=$?
	sed 's/^/    /' "$work/ctl.out"
	return $rc
}

# The same, quietly (for the script's own looks).
q() {
	"$tendctl" -s "$sock" "$@" 2>/dev/null
}

mark() {
	echo "$(date +%s%3N) $1" >>"$marks"
}

check() {
	if [ "$1" = ok ]; then
		echo "  ok: $2"
	else
		echo "  NOT AS EXPECTED: $2"
		failed_checks=$((failed_checks + 1))
	fi
}

# Wait up to $2 s (default 30) for the command "$1" to succeed.
wait_for() {
	local end=$((SECONDS + ${2:-30}))
	while ! eval "$1" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# "Load now": the last second demo-load wrote.
show_load() {
	local line
	line=$(grep '^sec=' "$work/load.out" 2>/dev/null | tail -n 1)
	[ -n "$line" ] || return 0
	echo "$line" | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "  load, second %d: %d served, %d failed, p99 %.1f ms\n",
		    v["sec"], v["served"], v["failed"], v["p99_us"] / 1000 }'
}

# Pause the story for $1 seconds under load, then show the load.
under_load() {
	sleep "$1"
	show_load
}

# The last second demo-load wrote (0 before its first).
load_sec() {
	local line
	line=$(grep '^sec=' "$work/load.out" 2>/dev/null | tail -n 1)
	line=${line%% *}
	echo "${line#sec=}" | grep -x '[0-9][0-9]*' || echo 0
}

# "SERVED FAILED refused=N reset=N timeout=N wrong=N": the requests
# that ended in the seconds after second $1.
load_since() {
	awk -v from="$1" '/^sec=/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["sec"] + 0 <= from + 0) next
		n["served"] += v["served"]; n["failed"] += v["failed"]
		for (k in kinds) n[k] += v[k]
	}
	BEGIN { kinds["refused"]; kinds["reset"]; kinds["timeout"]; kinds["wrong"] }
	END { printf "%d %d refused=%d reset=%d timeout=%d wrong=%d\n", n["served"],
	    n["failed"], n["refused"], n["reset"], n["timeout"], n["wrong"] }' "$work/load.out"
}

# A step begins: the requests that end from now on are its own.
step_begin() {
	step_from=$(load_sec)
}

# A step ends ($1: what it was): once every request due so far has
# ended (answered, or given up after demo-load's 2 s), its figures;
# under tend, a step in which a request failed did not see what it
# expected.
step_end() {
	local now served failed kinds
	now=$(load_sec)
	wait_for "[ \$(load_sec) -ge $((now + 3)) ]" 30
	read -r served failed kinds <<<"$(load_since "$step_from")"
	if [ "$naive" = 1 ]; then
		echo "  $1: $served requests served, $failed failed ($kinds)"
	elif [ "$failed" = 0 ] && [ "$served" -gt 0 ]; then
		check ok "$1: $served requests served, none failed"
	else
		check fail "$1: $served requests served, $failed failed ($kinds)"
	fi
}

workers="w1 w2 w3 w4"

pid_of() {
	q pid "web/$1"
}

# The worker whose main pid is $1.
worker_with_pid() {
	local w
	for w in $workers; do
		if [ "$(pid_of "$w")" = "$1" ]; then
			echo "$w"
			return 0
		fi
	done
	return 1
}

# "w1=PID w2=PID ..."
all_pids() {
	local w s=""
	for w in $workers; do
		s="$s $w=$(pid_of "$w")"
	done
	echo "${s# }"
}

# The workers whose pid is not the one they had in $1 (all_pids' words).
changed_since() {
	local kv
	for kv in $(all_pids); do
		echo "$1" | tr ' ' '\n' | grep -qx "$kv" || echo "${kv%%=*}"
	done
}

# Wait until worker $1 runs a main pid other than $2, and the tree is
# healthy again.
wait_replaced() {
	wait_for "p=\$(pid_of $1) && [ -n \"\$p\" ] && [ \"\$p\" != $2 ] && q health"
}

# The file of worker $1's cgroup that holds its CPU quota (cgroup v2's
# cpu.max, or v1's cpu.cfs_quota_us on a hybrid host), from the cgroups
# `tendctl inspect` names.
cpu_file() {
	local d
	for d in $(q inspect "web/$1" | awk '$1 == "CGROUP" { print $NF }'); do
		if [ -f "$d/cpu.max" ]; then
			echo "$d/cpu.max"
			return 0
		fi
		if [ -f "$d/cpu.cfs_quota_us" ]; then
			echo "$d/cpu.cfs_quota_us"
			return 0
		fi
	done
	return 1
}

# Worker $1's CPU quota as the kernel holds it, in percent of one CPU
# ("max" without a limit, nothing without a cgroup).
cpu_quota() {
	local f quota period
	f=$(cpu_file "$1") || return 0
	case $f in
	*/cpu.max) read -r quota period <"$f" ;;
	*) quota=$(cat "$f") period=$(cat "${f%quota_us}period_us") ;;
	esac
	case $quota in
	max | -1) echo max ;;
	*) echo $((quota * 100 / period)) ;;
	esac
}

# The pids of the PROCESSES of `tendctl inspect`'s output (in $work/ctl.out).
inspect_pids() {
	awk '$1 == "PROCESSES" { on = 1; next }
		on && $1 == "PID" { next }
		on && $1 ~ /^[0-9]+$/ { print $1; next }
		on { exit }' "$work/ctl.out"
}

# Send the service a request; its answer on stdout.
get() {
	printf '\n  $ demo-load --get %s %s\n' "$1" "$addr" >&2
	"$load" --get "$1" "$addr"
}

# The first program of `tendctl top`'s output (in $work/ctl.out).
top_first() {
	awk -v names="$workers" '
		BEGIN { n = split(names, w, " ") }
		{ for (i = 1; i <= n; i++)
			if ($0 ~ ("(^|[ /])" w[i] "([ \t]|$)")) { print w[i]; exit } }
	' "$work/ctl.out"
}

# ------------------------------------------------------------ the configs

# demo/tend.conf as is (or --naive's), the same with a CPU limit on each
# worker, and with the fixed version.
if [ "$naive" = 1 ]; then
	sed "s/127\.0\.0\.1:$first_port\b/$addr/" "$root/demo/naive.conf" >"$conf.v1"
	cp "$conf.v1" "$conf.limited"
else
	sed "s/127\.0\.0\.1:$first_port\b/$addr/" "$root/demo/tend.conf" >"$conf.v1"
	sed '/^\[program:/a cpu_max = 25%' "$conf.v1" >"$conf.limited"
fi
sed 's/--version 1 /--version 2 --fixed /' "$conf.limited" >"$conf.v2"
cp "$conf.v1" "$conf"

# A tend that does not support yet what the story needs says so: skip.
needs() {
	local what=$1 got rc
	shift
	got=$("$@" 2>&1)
	rc=$?
	if printf '%s' "$got" | grep -qi 'not supported yet'; then
		echo "SKIP: this tend does not support yet what the demo needs ($what):"
		printf '%s\n' "$got" | grep -i 'not supported yet' | sed 's/^/  /'
		exit 77
	fi
	if [ $rc -ne 0 ]; then
		echo "demo/run.sh: $what failed (exit $rc):"
		printf '%s\n' "$got" | sed 's/^/  /'
		exit 1
	fi
}
export PATH="$build/demo:$PATH"
for c in v1 limited v2; do
	needs "tend --check of the ${c} configuration" "$tend" --check -c "$conf.$c"
done

# ------------------------------------------------------------ the story

if [ "$naive" = 1 ]; then
	say "=== tend's live demo, the naive way (--naive): each worker binds the port itself, stop-then-start deploy, no limits"
else
	say "=== tend's live demo: four workers on one socket held by tend; broken three ways under load; then a fix deployed"
fi
say "The tree comes up: tend -c demo/tend.conf (its output goes to $out/tend.log)"
keep_log=1
"$tend" -s "$sock" -c "$conf" >"$work/tend.log" 2>&1 &
tend_pid=$!
if ! wait_for "q health" 60; then
	echo "demo/run.sh: the tree did not come up within 60 s; tend said:"
	tail -n 30 "$work/tend.log"
	exit 1
fi
if ! wait_for "\"$load\" --get /hello $addr" 60; then
	echo "demo/run.sh: the service does not answer on $addr within 60 s"
	exit 1
fi
ctl tree
ctl status

say "Load on: $rate requests a second on $addr, each on a connection of its own (demo-load)"
# as many connections as two seconds of requests: a request is given up
# after 2 s, so a stall never holds the others back
"$load" --rate "$rate" --conns $((rate * 2 + 64)) --duration 600 \
    --timeout 2000 --out "$work/load.out" "$addr" 2>"$work/load.err" &
load_pid=$!
under_load "$step"

# (1) an unhandled crash
say "(1) An unhandled crash: a request makes one worker abort()"
before=$(all_pids)
step_begin
mark crash
body=$(get /crash)
echo "    $body"
victim_pid=${body##* }
victim=""
for kv in $before; do
	[ "${kv#*=}" = "$victim_pid" ] && victim=${kv%%=*}
done
if [ -z "$victim" ] || ! wait_replaced "$victim" "$victim_pid"; then
	check fail "the crashed worker (pid $victim_pid) was not restarted"
else
	ctl status
	after=$(all_pids)
	changed=$(changed_since "$before")
	if [ "$changed" = "$victim" ]; then
		check ok "only $victim was restarted (pid $victim_pid -> $(pid_of "$victim")); the others kept their pids: $after"
	else
		check fail "workers restarted: ${changed:-none}; expected only $victim (before: $before; after: $after)"
	fi
fi
under_load "$step"
step_end "the crash"

# (2) a CPU hog

# A request makes one worker spin: $hog names it, $hog_pid its pid.
start_hog() {
	mark hog
	body=$(get /spin)
	echo "    $body"
	hog_pid=${body##* }
	hog=$(worker_with_pid "$hog_pid")
	under_load "$step"
}

# top's first line is the hog ($1: what the check then says).
hog_on_top() {
	ctl top
	first=$(top_first)
	if [ -n "$hog" ] && [ "$first" = "$hog" ]; then
		check ok "$1"
	else
		check fail "top's first line is ${first:-none}, not the hog ${hog:-?}"
	fi
}

# tendctl kill ends the hog; the tree restarts it.
kill_hog() {
	mark kill
	ctl kill "web/$hog"
	if wait_replaced "$hog" "$hog_pid"; then
		check ok "$hog killed and restarted (pid $hog_pid -> $(pid_of "$hog"))"
	else
		check fail "$hog (pid $hog_pid) was not replaced after tendctl kill"
	fi
	under_load "$step"
}

say "(2) A CPU hog: a request makes one worker spin, serving nothing"
step_begin
start_hog
say "Who eats the CPU? The busiest program comes first:"
hog_on_top "the hog, $hog, is top's first line"
ctl inspect "web/$hog"
kill_hog

if [ "$naive" = 0 ]; then
	say "Contain it for good: cpu_max = 25% on each worker, added by reload (written to the live cgroups: no restart)"
	diff -u "$conf" "$conf.limited" | sed -n 's/^+cpu_max/    + cpu_max/p' | head -n 1
	before=$(all_pids)
	cp "$conf.limited" "$conf"
	mark cpu_max
	ctl reload
	if [ "$(all_pids)" = "$before" ]; then
		check ok "no worker restarted: $before"
	else
		check fail "workers restarted on adding a limit: $before -> $(all_pids)"
	fi
	quotas=$(for w in $workers; do echo "$w=$(cpu_quota "$w")%"; done)
	if [ "$(echo $quotas)" = "w1=25% w2=25% w3=25% w4=25%" ]; then
		check ok "each worker's cgroup holds the limit: $(echo $quotas) of a CPU ($(cpu_file w1))"
	else
		check fail "the workers' cgroups do not hold cpu_max = 25%: $(echo $quotas)"
	fi
	under_load "$step"
	start_hog
	hog_on_top "the new hog, $hog, is top's first line, held to its 25% of a CPU"
	say "It spins within its limit while the others serve; its time is up:"
	kill_hog
fi
step_end "the hogs"

# (3) a runaway loop forked off by a worker
say "(3) A runaway: a request makes one worker fork a child that leaves its process group (setsid) and loops"
step_begin
mark runaway
body=$(get /fork)
echo "    $body"
main_pid=$(echo "$body" | sed -n 's/^forked: pid \([0-9]*\) .*/\1/p')
runaway=${body##* }
extra_pids="$extra_pids $runaway"
owner=$(worker_with_pid "$main_pid")
under_load "$step"
ctl top
first=$(top_first)
if [ -n "$owner" ] && [ "$first" = "$owner" ]; then
	check ok "$owner (its runaway child counted with it) is top's first line"
else
	check fail "top's first line is ${first:-none}, not ${owner:-?}, whose child runs away"
fi
ctl inspect "web/$owner"
if inspect_pids | grep -qx "$runaway"; then
	check ok "inspect shows the runaway, pid $runaway, among $owner's processes"
else
	check fail "inspect does not list the runaway pid $runaway"
fi
if [ "$naive" = 1 ]; then
	say "One command stops the whole program, everything it forked included (its cgroup), and starts it again:"
else
	say "One command ends the program with everything it forked (its cgroup): a new instance starts beside it (handover = start_first), and once it is ready the old one is stopped, its runaway with it:"
fi
before=$(all_pids)
mark restart
ctl restart "web/$owner"
gone() {
	[ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}
if wait_for "gone $runaway" 10; then
	check ok "the runaway, pid $runaway, is gone; $owner serves as pid $(pid_of "$owner")"
else
	check fail "the runaway pid $runaway is still alive after tendctl restart"
fi
ctl inspect "web/$owner"
procs=$(awk '$1 == "USES" { for (i = 2; i < NF; i++) if ($i == "processes") print $(i + 1) }' "$work/ctl.out")
if [ "$procs" = 1 ] && ! inspect_pids | grep -qx "$runaway"; then
	check ok "nothing of the runaway is left: $owner's cgroup holds one process, its new main pid $(pid_of "$owner")"
else
	check fail "$owner holds ${procs:-?} processes after the restart (runaway pid $runaway)"
fi
changed=$(changed_since "$before")
if [ "$changed" = "$owner" ]; then
	check ok "only $owner was restarted; the others kept their pids: $(all_pids)"
else
	check fail "workers restarted: ${changed:-none}; expected only $owner (before: $before; after: $(all_pids))"
fi
under_load "$step"
step_end "the runaway"

# (4) the fix, deployed
before=$(all_pids)
if [ "$naive" = 1 ]; then
	say "(4) The fix (version 2), deployed the usual way: stop, change, start"
	diff -u "$conf" "$conf.v2" | grep '^[-+]command' | head -n 2 | sed 's/^/    /'
	cp "$conf.v2" "$conf"
	step_begin
	mark deploy
	ctl stop web
	ctl reload
	ctl start web
else
	say "(4) The fix (version 2) deployed by reload: each worker's new instance starts on the same held socket, and the old one stops once the new one is ready (handover = start_first)"
	diff -u "$conf" "$conf.v2" | grep '^[-+]command' | head -n 2 | sed 's/^/    /'
	cp "$conf.v2" "$conf"
	step_begin
	mark deploy
	ctl reload
fi
fixed() {
	local w kv
	for w in $workers; do
		for kv in $before; do
			[ "$kv" = "$w=$(pid_of "$w")" ] && return 1
		done
	done
	q health || return 1
	if [ "$naive" = 1 ]; then # no readiness, no STATUS=: ask one
		"$load" --get /hello "$addr" | grep -q ' 2 '
	else # each worker said it serves version 2
		[ "$(q status | grep -c 'version 2 (fixed)')" = 4 ]
	fi
}
if wait_for fixed 60; then
	check ok "every worker runs version 2 ($before -> $(all_pids))"
else
	check fail "not every worker runs version 2 after the deploy ($before -> $(all_pids))"
fi
ctl status
body=$(get /spin)
echo "    $body"
under_load "$step"
if [ "$naive" = 1 ]; then
	step_end "the deploy"
else
	step_end "the deploy (the handover kept serving)"
fi

say "Load off."
kill -TERM "$load_pid"
wait "$load_pid"
load_pid=""
ctl status

# ------------------------------------------------------------ the report

say "Per second (failures by kind; latency from when each request was due):"
"$report" "$work/load.out" --marks "$marks" --svg "$out/demo.svg" \
    --title "tend's live demo$([ "$naive" = 1 ] && echo ', the naive way'): $(date -u +%F), $rate requests a second$(commit=$(git -C "$root" describe --always --dirty --abbrev=7 2>/dev/null) && echo ", at $commit")"
report_rc=$?
cp "$work/load.out" "$out/load.out"
cp "$marks" "$out/marks"
echo "table and figures: $out/load.out (events: $out/marks)"
[ "$failed_checks" -eq 0 ] || echo "$failed_checks step(s) did not see what they expected (above)"
if [ "$report_rc" -ne 0 ] || [ "$failed_checks" -ne 0 ]; then
	exit 1
fi
exit 0
