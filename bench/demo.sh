#!/bin/bash
# bench/demo.sh: the live demo's story (SPEC 12) under tend and under
# supervisord, one after the other in one run, with the same service,
# the same load and the same steps; prints each one's throughput and
# failed requests per step (Markdown tables for bench/README.md).
#
#   bench/demo.sh [--short] [--rate N] [--out DIR]
#
# tend: demo/run.sh (held sockets, start_first handover, cpu_max).
# supervisord: four processes of demo-service (numprocs = 4), each
# binding the port itself (SO_REUSEPORT), since supervisord holds no
# socket for its programs; the crash restarted by autorestart; the hog
# found with top(1) (supervisorctl has no top) and killed with
# `supervisorctl signal KILL`; the runaway's worker restarted with
# `supervisorctl restart`; the fix deployed as supervisord's users do:
# the program's executable replaced (a script that execs demo-service
# with version 2's options) and `supervisorctl restart 'web:*'` (each
# process stopped, then started). Its figures go to DIR/supervisord,
# tend's to DIR/tend (default bench/out/demo).
#
# Root on Debian 12; installs supervisor if missing (starting no daemon).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
short=""
rate=1000
out=$root/bench/out/demo
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=--short; rate=500 ;;
	--rate) rate=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	*) echo "usage: bench/demo.sh [--short] [--rate N] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "bench/demo.sh: run it as root" >&2; exit 1; }
step=8
[ -z "$short" ] || step=2

if ! command -v supervisord >/dev/null; then
	echo "bench/demo.sh: installing supervisor"
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		# keeps the package's scripts from starting supervisord
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends supervisor >/dev/null ||
	    { apt-get update -q >/dev/null &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends supervisor >/dev/null; }
	rc=$?
	[ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || exit 1
fi

build=$root/build
[ -f "$build/build.ninja" ] || meson setup "$build" "$root" >/dev/null || exit 1
meson compile -C "$build" >/dev/null || exit 1
load=$build/demo/demo-load
report=$build/demo/demo-report
addr=127.0.0.1:18480
mkdir -p "$out/tend" "$out/supervisord"

# ------------------------------------------------------------ tend

echo "=== tend: demo/run.sh $short --rate $rate"
"$root/demo/run.sh" $short --rate "$rate" --out "$out/tend" >"$out/tend/run.out" 2>&1
echo "demo/run.sh exited $? (its output: $out/tend/run.out)"

# ------------------------------------------------------------ supervisord

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-demo-sd.XXXXXX")
sd_pid=""
load_pid=""
leftover=""
cleanup() {
	trap '' INT TERM
	[ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null
	if [ -n "$sd_pid" ]; then
		kill -TERM "$sd_pid" 2>/dev/null
		wait "$sd_pid" 2>/dev/null
	fi
	for p in $leftover; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The program's executable: demo-service with the options of version
# $1, exec'd (the pid supervisord knows is the service's).
write_web() {
	local opts="--version 1"
	[ "$1" = 1 ] || opts="--version 2 --fixed"
	printf '#!/bin/sh\nexec %s %s --warmup 300 --listen %s\n' \
	    "$build/demo/demo-service" "$opts" "$addr" >"$work/web.new"
	chmod 755 "$work/web.new"
	mv "$work/web.new" "$work/web"
}
write_conf() {
	cat >"$work/supervisord.conf" <<EOF
[unix_http_server]
file = $work/supervisor.sock

[supervisord]
nodaemon = true
logfile = $work/supervisord.log
pidfile = $work/supervisord.pid
childlogdir = $work

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://$work/supervisor.sock

[program:web]
command = $work/web
process_name = w%(process_num)d
numprocs = 4
numprocs_start = 1
autorestart = true
startsecs = 1
stopwaitsecs = 5
EOF
}
sctl() {
	printf '\n  $ supervisorctl %s\n' "$*"
	supervisorctl -c "$work/supervisord.conf" "$@" 2>&1 | sed 's/^/    /'
}
pids() {
	supervisorctl -c "$work/supervisord.conf" status 2>/dev/null |
	    awk '$2 == "RUNNING" { sub(",", "", $4); printf "%s=%s ", $1, $4 }'
}
running4() {
	[ "$(pids | wc -w)" = 4 ]
}
wait_for() {
	local end=$((SECONDS + ${2:-30}))
	while ! eval "$1" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
mark() {
	echo "$(date +%s%3N) $1" >>"$out/supervisord/marks"
}
get() {
	printf '\n  $ demo-load --get %s %s\n' "$1" "$addr" >&2
	"$load" --get "$1" "$addr"
}
name_of() { # the process with pid $1
	pids | tr ' ' '\n' | sed -n "s/^\(.*\)=$1\$/\1/p"
}

supervisord_story() {
	: >"$out/supervisord/marks"
	write_conf
	write_web 1
	supervisord -c "$work/supervisord.conf" >"$work/sd.out" 2>&1 &
	sd_pid=$!
	wait_for running4 60 && wait_for "\"$load\" --get /hello $addr" 30 ||
	    { echo "supervisord did not bring up the workers"; return 1; }
	sctl status
	"$load" --rate "$rate" --conns $((rate * 2 + 64)) --duration 600 \
	    --timeout 2000 --out "$out/supervisord/load.out" "$addr" &
	load_pid=$!
	sleep "$step"

	echo "(1) a crash"
	mark crash
	body=$(get /crash) && echo "    $body"
	wait_for "running4" 30
	sleep "$step"

	echo "(2) a CPU hog"
	mark hog
	body=$(get /spin) && echo "    $body"
	hog=$(name_of "${body##* }")
	sleep "$step"
	printf '\n  $ top -b -d 1 -n 2 (its second screen, the first lines)\n'
	top -b -d 1 -n 2 -w 120 | awk '/^ *PID/ { n++ } n == 2' |
	    head -n 4 | sed 's/^/    /'
	mark kill
	sctl signal KILL "$hog"
	wait_for running4 30
	sleep "$step"

	echo "(3) a runaway"
	mark runaway
	body=$(get /fork) && echo "    $body"
	runaway=${body##* }
	owner=$(name_of "$(echo "$body" | sed -n 's/^forked: pid \([0-9]*\) .*/\1/p')")
	sleep "$step"
	mark restart
	sctl restart "$owner"
	wait_for running4 30
	if [ -e "/proc/$runaway" ]; then
		echo "  the runaway, pid $runaway, is still alive after the restart (it left the process group)"
		echo "runaway_left=1" >"$out/supervisord/runaway"
		leftover="$leftover $runaway"
	else
		echo "runaway_left=0" >"$out/supervisord/runaway"
	fi
	sleep "$step"

	echo "(4) the fix deployed: the executable replaced, then restarted"
	write_web 2
	mark deploy
	sctl restart 'web:*'
	wait_for running4 60
	wait_for "\"$load\" --get /hello $addr | grep -q ' 2 '" 30
	sctl status
	sleep "$step"
	kill -TERM "$load_pid"
	wait "$load_pid"
	load_pid=""
	for p in $leftover; do
		kill -KILL "$p" 2>/dev/null
	done
	kill -TERM "$sd_pid"
	wait "$sd_pid"
	sd_pid=""
}

echo "=== supervisord $(supervisord -v): the same story"
supervisord_story >"$out/supervisord/run.out" 2>&1
echo "(its output: $out/supervisord/run.out)"

# ------------------------------------------------------------ the figures

for who in tend supervisord; do
	echo
	echo "### $who"
	"$report" "$out/$who/load.out" --marks "$out/$who/marks" --steps \
	    --svg "$out/$who/steps.svg" --title "the demo's story under $who" |
	    sed -n '/^| step/,$p'
done | tee "$out/compare.md"
