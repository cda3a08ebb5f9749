#!/bin/sh
# demo/test_service.sh: the demo's service and load client against each
# other on loopback (suite "demo"), the service binding a port of its own
# (--listen 127.0.0.1:0): steady load is all served and its seconds add
# up; a crash, a hog, a wrong answer each show as their kind of failure;
# a runaway leaves its process group; TERM ends the service cleanly; the
# report reads it all back.
#
#   test_service.sh DEMO_SERVICE DEMO_LOAD DEMO_REPORT
set -u
svc=$1
load=$2
report=$3

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-demo-test.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
ok() {
	echo "ok: $*"
}

# the value of KEY=N on the line of FILE that starts with PREFIX
field() {
	awk -v first="$2" -v key="$3" '
		$1 == first && !found { for (i = 2; i <= NF; i++) {
			split($i, kv, "="); if (kv[1] == key) { print kv[2]
			found = 1 } } }' "$1"
}

# Sum of KEY over the per-second lines of FILE.
sum_seconds() {
	awk -v key="$2" '
		/^sec=/ { for (i = 1; i <= NF; i++) {
			split($i, kv, "="); if (kv[1] == key) n += kv[2] } }
		END { print n + 0 }' "$1"
}

# Start the service with extra options; sets $spid and $port.
start_service() {
	out="$work/svc.$$.$(date +%s%N).out"
	"$svc" --listen 127.0.0.1:0 "$@" >"$out" 2>>"$work/svc.err" &
	spid=$!
	pids="$pids $spid"
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 200 ]; do # up to 10 s
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
		    "$out")
		[ -n "$port" ] || sleep 0.05
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		echo "the service did not say where it listens:"
		cat "$work/svc.err"
		exit 1
	fi
}

# Wait (up to 10 s) for pid $1 to end; its status in $status.
wait_end() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		# a zombie still answers kill -0: wait reaps it below
		if [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; then
			break
		fi
		sleep 0.05
		i=$((i + 1))
	done
	wait "$1"
	status=$?
}

# Counts of the load's output FILE add up: done = served + failed =
# the sum of each second's, failed = the sum of its kinds.
adds_up() {
	f=$1
	what=$2
	done_=$(field "$f" total done)
	served=$(field "$f" total served)
	failed=$(field "$f" total failed)
	kinds=$(($(field "$f" total refused) + $(field "$f" total reset) +
	    $(field "$f" total timeout) + $(field "$f" total wrong)))
	secs=$(($(sum_seconds "$f" served) + $(sum_seconds "$f" failed)))
	if [ "$done_" -eq $((served + failed)) ] && [ "$secs" -eq "$done_" ] &&
	    [ "$kinds" -eq "$failed" ]; then
		ok "$what: done $done_ = served $served + failed $failed =" \
		    "the seconds' sum; failed = its kinds"
	else
		fail "$what: done $done_, served $served, failed $failed," \
		    "kinds $kinds, sum of seconds $secs"
		cat "$f"
	fi
}

# --- steady load, all served
start_service
"$load" --rate 500 --duration 2 --out "$work/steady" 127.0.0.1:"$port"
rc=$?
[ $rc -eq 0 ] || fail "steady load: demo-load exited $rc"
[ "$(field "$work/steady" total done)" = 1000 ] ||
    fail "steady load: not 1000 requests done"
[ "$(field "$work/steady" total served)" = 1000 ] ||
    fail "steady load: not all 1000 served"
[ "$(grep -c '^sec=' "$work/steady")" -eq 2 ] ||
    fail "steady load: not 2 per-second lines"
adds_up "$work/steady" "steady load"
"$report" "$work/steady" --svg "$work/steady.svg" >"$work/steady.report"
rc=$?
[ $rc -eq 0 ] || fail "report of steady load exited $rc"
grep -q '^no request failed$' "$work/steady.report" ||
    fail "the report does not say no request failed"
grep -q '^lowest second: .* median' "$work/steady.report" ||
    fail "the report gives no lowest second against the median"
grep -q '<polyline' "$work/steady.svg" || fail "the chart has no polyline"

# --- the answer names the request; /fork: a runaway outside the group
body=$("$load" --get /hello 127.0.0.1:"$port")
[ "$body" = "hello 1 $spid" ] || fail "GET /hello answered '$body'"
body=$("$load" --get /fork 127.0.0.1:"$port")
runaway=${body##*runaway pid }
case $runaway in
'' | *[!0-9]*) fail "GET /fork answered '$body'"; runaway="" ;;
esac
if [ -n "$runaway" ]; then
	pids="$pids $runaway"
	if [ "$(ps -o sid= -p "$runaway" | tr -d ' ')" = "$runaway" ]; then
		ok "the runaway $runaway is in a session of its own"
	else
		fail "the runaway $runaway did not leave its session"
	fi
	kill -KILL "$runaway"
fi
body=$("$load" --get /x 127.0.0.1:"$port")
[ "$body" = "x 1 $spid" ] || fail "after /fork, GET /x answered '$body'"

# --- TERM: a clean exit
kill -TERM "$spid"
wait_end "$spid"
[ "$status" -eq 0 ] && ok "TERM: exit 0" || fail "TERM: exit $status"

# --- a crash: the request in hand is reset, the rest refused
start_service --crash-after 200
"$load" --rate 300 --duration 2 --timeout 1000 --out "$work/crash" \
    127.0.0.1:"$port"
rc=$?
[ $rc -eq 1 ] || fail "crash: demo-load exited $rc, not 1"
wait_end "$spid"
[ "$status" -eq 134 ] || fail "crash: the service exited $status, not 134"
[ "$(field "$work/crash" total served)" = 199 ] ||
    fail "crash: not 199 served before the crash"
[ "$(field "$work/crash" total refused)" -gt 0 ] ||
    fail "crash: no request counted refused after the crash"
[ "$(field "$work/crash" total reset)" -ge 1 ] ||
    fail "crash: the request in hand is not counted reset"
adds_up "$work/crash" "crash"
"$report" "$work/crash" >"$work/crash.report"
rc=$?
[ $rc -eq 1 ] || fail "report of the crash exited $rc, not 1"
grep -q 'requests failed in total' "$work/crash.report" ||
    fail "the report does not say how many requests failed"

# --- /crash: answered, then the service aborts
start_service
body=$("$load" --get /crash 127.0.0.1:"$port")
[ "$body" = "crashing: pid $spid" ] || fail "GET /crash answered '$body'"
wait_end "$spid"
[ "$status" -eq 134 ] || fail "/crash: the service exited $status, not 134"
"$load" --get /x 127.0.0.1:"$port" 2>/dev/null &&
    fail "after /crash something still answers on $port"

# --- /spin: nothing is served any more, each request times out
start_service
body=$("$load" --get /spin 127.0.0.1:"$port")
[ "$body" = "spinning: pid $spid" ] || fail "GET /spin answered '$body'"
"$load" --rate 100 --duration 1 --timeout 300 --out "$work/spin" \
    127.0.0.1:"$port"
rc=$?
[ $rc -eq 1 ] || fail "spin: demo-load exited $rc, not 1"
[ "$(field "$work/spin" total timeout)" = 100 ] ||
    fail "spin: not all 100 requests timed out"
adds_up "$work/spin" "spin"
kill -TERM "$spid"
wait_end "$spid"
[ "$status" -eq 0 ] || fail "spin: TERM ended the hog with $status, not 0"

# --- wrong answers
start_service --wrong-after 1
"$load" --rate 100 --duration 1 --out "$work/wrong" 127.0.0.1:"$port"
[ "$(field "$work/wrong" total wrong)" = 100 ] ||
    fail "wrong: not all 100 answers counted wrong"
adds_up "$work/wrong" "wrong answers"
kill -TERM "$spid"
wait_end "$spid"

# --- the fixed version only answers
start_service --fixed --version 2
for p in crash spin fork; do
	body=$("$load" --get /$p 127.0.0.1:"$port")
	[ "$body" = "fixed: no $p in version 2" ] ||
	    fail "--fixed: GET /$p answered '$body'"
done
kill -TERM "$spid"
wait_end "$spid"
[ "$status" -eq 0 ] || fail "--fixed: TERM: exit $status"

if [ $failures -ne 0 ]; then
	echo "$failures failed; the service said:"
	cat "$work/svc.err"
	exit 1
fi
echo "all passed"
