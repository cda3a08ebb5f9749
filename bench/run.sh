#!/bin/sh
# bench/run.sh: tend against the floor and its peers (SPEC 10), in one run.
#
#   bench/run.sh [--quick] [--rev REV] [--only LIST] [--steps LIST]
#
# Installs what is missing (apt-get: supervisor, runit, s6, tini,
# dumb-init and tend's build dependencies; no peer daemon is left
# running), builds tend (the working tree, or git revision REV), builds
# bench/child (static), bench/floor, bench/reaper and bench/orphans, runs
# every measurement and rewrites this mode's tables in bench/README.md.
# The raw figures go to bench/out/results-MODE.json, the log to
# bench/out/run-MODE.log. Root on Debian 12.
#
#   --quick        small sizes (100 and 1,000 children), a few minutes
#   --rev REV      benchmark tend as committed at REV (git archive)
#   --only LIST    adapters, comma-separated: tend,tend-nocg,floor,
#                  supervisord,runit,s6 (and, for the PID 1 step, tend,
#                  tini, dumb-init, reaper)
#   --steps LIST   one,big,huge,isolation,log,pid1 (all by default)
#   --merge        add to this mode's results instead of replacing them
#                  (with --only: re-run some adapters, keep the rest)
set -eu

cd "$(dirname "$0")/.."
root=$(pwd)
mode=full
rev=
pass=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--rev) rev=$2; shift ;;
	--only|--steps) pass="$pass $1 $2"; shift ;;
	--merge) pass="$pass --merge" ;;
	*) echo "usage: bench/run.sh [--quick] [--rev REV] [--only LIST]" \
	    "[--steps LIST] [--merge]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run it as root" >&2; exit 1; }

# --- install what is missing, starting no daemon
pkgs="supervisor runit s6 tini dumb-init gcc libc6-dev meson ninja-build
pkg-config libev-dev libinih-dev python3 util-linux git"
need=
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	echo "bench: installing$need"
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		# keeps the packages' scripts from starting supervisord or runsvdir
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=1
	fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $need || { [ -z "$policy" ] ||
	    rm -f /usr/sbin/policy-rc.d; exit 1; }
	[ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl disable --now supervisor.service runit.service \
		    >/dev/null 2>&1 || true
	fi
fi

# --- build tend
work=$root/bench/.work
mkdir -p "$work" "$root/bench/out"
src=$root
label=$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')
if [ -n "$rev" ]; then
	src=$work/src
	rm -rf "$src"
	mkdir -p "$src"
	git -C "$root" archive "$rev" | tar -x -C "$src"
	label=$(git -C "$root" rev-parse --short "$rev")
fi
build=$work/build
if [ -f "$build/build.ninja" ] && [ "$(cat "$work/build.src" 2>/dev/null)" = "$src" ]; then
	:
else
	rm -rf "$build"
	meson setup "$build" "$src" -Dtests=false --buildtype=release >/dev/null
	echo "$src" > "$work/build.src"
fi
ninja -C "$build" >/dev/null

# --- the bench's own programs
bin=$work/bin
mkdir -p "$bin"
for p in floor reaper orphans; do
	gcc -O2 -Wall -Wextra -o "$bin/$p" "$root/bench/$p.c"
done
gcc -static -O2 -Wall -Wextra -o "$bin/child" "$root/bench/child.c"

cmd="bench/run.sh"
[ $mode = quick ] && cmd="$cmd --quick"
[ -z "$rev" ] || cmd="$cmd --rev $rev"
[ -z "$pass" ] || cmd="$cmd$pass"
quick=
[ $mode = quick ] && quick=--quick
# shellcheck disable=SC2086
python3 "$root/bench/bench.py" $quick $pass --bin "$bin" \
    --tend "$build/supervisord/tend" --tendctl "$build/ctl/tendctl" \
    --rev "$label" --work "$work/run" \
    --json "$root/bench/out/results-$mode.json" \
    --readme "$root/bench/README.md" --command "$cmd" 2>&1 |
    tee -a "$root/bench/out/run-$mode.log"
