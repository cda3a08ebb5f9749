#!/bin/sh
# shellcheck disable=SC2086,SC2046 # words are split on purpose (set -f)
# shellcheck disable=SC2015 # in A && ok || fail, ok always succeeds
# tests/integ/test_container.sh: the files of conf/container/ agree with
# the repository, the build and each other. Nothing is built or run in a
# container: what is checked is what the files name.
#
#   sh test_container.sh SOURCE_ROOT
#
# with $TEND_BIN and $TENDCTL_BIN set (tests/meson.build does that). The
# Containerfile's build context is SOURCE_ROOT, the repository's root.
#
# - every COPY source of the Containerfile exists in the context;
# - the configuration it installs passes `tend --check`, and is the one
#   the ENTRYPOINT names;
# - the ENTRYPOINT and the other COPY --from paths are where meson
#   installs tend and tendctl with the Containerfile's own `meson setup`
#   and `meson install` options (a copy of just the COPY'd sources is
#   configured with them, when meson is at hand; else meson.build is read);
# - the runtime stage installs the packages of the libraries tend links;
# - pod.yaml runs that image (the name README.md and the Containerfile
#   build it under), without overriding the ENTRYPOINT, with exec probes
#   `tendctl health --alive` (liveness) and `tendctl health` (readiness),
#   both real tendctl commands (`tendctl help`), at the path the image
#   has tendctl; restartPolicy Always; a termination grace period that
#   covers the programs' shutdown times plus shutdown_grace.

set -u
set -f # words are split on purpose below, never globbed

ROOT=${1:-${TEND_SOURCE_ROOT:-}}
if [ -z "$ROOT" ] || [ ! -f "$ROOT/meson.build" ]; then
	echo "usage: test_container.sh SOURCE_ROOT" >&2
	exit 2
fi
: "${TEND_BIN:?TEND_BIN must name the tend binary}"
: "${TENDCTL_BIN:?TENDCTL_BIN must name the tendctl binary}"

DIR=$ROOT/conf/container
CF=$DIR/Containerfile
POD=$DIR/pod.yaml
README=$DIR/README.md
failures=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tend-container.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	failures=$((failures + 1))
}

for f in "$CF" "$POD" "$README" "$DIR/tend.conf"; do
	[ -f "$f" ] || fail "missing $f"
done
[ "$failures" -eq 0 ] || exit 1

# The Containerfile with continuation lines joined and comments dropped,
# one instruction a line.
awk '
/^[ \t]*#/ { next }
{
	line = $0
	if (sub(/\\[ \t]*$/, "", line)) { acc = acc line " "; next }
	acc = acc line
	if (acc ~ /[^ \t]/) print acc
	acc = ""
}' "$CF" >"$TMP/instr"

# ------------------------------------------------------------- COPY
# Every COPY without --from takes its sources from the context (ROOT);
# those with --from are listed for the install paths below.
: >"$TMP/copy_from"
: >"$TMP/copy_ctx"
while read -r instr rest; do
	[ "$instr" = COPY ] || continue
	from=
	set -- $rest
	while [ $# -gt 0 ]; do
		case $1 in
		--from=*) from=${1#--from=} ;;
		--*) ;;
		*) break ;;
		esac
		shift
	done
	case ${1:-} in \[*)
		fail "COPY in JSON form is not understood here: $rest"
		continue ;;
	esac
	eval "dest=\${$#}"
	while [ $# -gt 1 ]; do
		if [ -n "$from" ]; then
			echo "$from $1 $dest" >>"$TMP/copy_from"
		else
			echo "$1 $dest" >>"$TMP/copy_ctx"
			if [ -e "$ROOT/$1" ]; then
				ok "COPY source $1 exists in the context"
			else
				fail "COPY source $1 does not exist in $ROOT"
			fi
		fi
		shift
	done
done <"$TMP/instr"
[ -s "$TMP/copy_ctx" ] || fail "no COPY from the context"

# ------------------------------------------------------- ENTRYPOINT
ep=$(sed -n 's/^ENTRYPOINT[ \t]*//p' "$TMP/instr")
case $ep in
\[*\]) ;;
*) fail "ENTRYPOINT is not in exec (JSON) form: $ep" ;;
esac
# ["/usr/sbin/tend", "-c", "/etc/tend/tend.conf"] -> words
set -- $(echo "$ep" | tr -d '[],"')
ep_tend=${1:-}
ep_conf=
while [ $# -gt 0 ]; do
	if [ "$1" = -c ] && [ $# -gt 1 ]; then
		ep_conf=$2
	fi
	shift
done
[ -n "$ep_conf" ] || ep_conf=/etc/tend/tend.conf # tend's default

# the config that the image installs at ep_conf
conf_src=$(awk -v d="$ep_conf" '$2 == d { print $1 }' "$TMP/copy_ctx")
if [ -z "$conf_src" ]; then
	fail "no COPY installs the ENTRYPOINT's configuration $ep_conf"
else
	if out=$("$TEND_BIN" --check -c "$ROOT/$conf_src" 2>&1); then
		ok "$conf_src (the image's $ep_conf) passes tend --check"
	else
		fail "$conf_src fails tend --check:"
		echo "$out" | sed 's/^/#   /'
	fi
fi

grep -qx 'STOPSIGNAL SIGTERM' "$TMP/instr" &&
	ok "STOPSIGNAL SIGTERM (tend's orderly shutdown)" ||
	fail "STOPSIGNAL is not SIGTERM"

# ------------------------------------------------- where meson installs
# The Containerfile's own meson setup and install lines.
setup_args=$(sed -n 's/.*meson setup build \([^&]*\).*/\1/p' "$TMP/instr" |
	head -n 1 | sed 's/[ \t]*$//')
destdir=$(sed -n 's/.*meson install .*--destdir[ =]\([^ ]*\).*/\1/p' \
	"$TMP/instr" | head -n 1)
[ -n "$setup_args" ] || fail "no 'meson setup build ...' in the Containerfile"
[ -n "$destdir" ] || fail "no 'meson install ... --destdir DIR' in the Containerfile"

installed_tend=
installed_tendctl=
if command -v meson >/dev/null 2>&1; then
	# configure just what the build stage copies, with its options
	mkdir "$TMP/ctx"
	while read -r src dest; do
		case $dest in
		/*) continue ;; # into the image, not into the build stage
		esac
		[ -e "$ROOT/$src" ] || continue # reported above
		mkdir -p "$TMP/ctx/$(dirname "$dest")"
		cp -R "$ROOT/$src" "$TMP/ctx/$dest"
	done <"$TMP/copy_ctx"
	if (cd "$TMP/ctx" && meson setup build $setup_args) >"$TMP/setup.log" 2>&1
	then
		ok "meson setup works on the COPY'd sources alone ($setup_args)"
		meson introspect --installed "$TMP/ctx/build" |
			tr ',' '\n' >"$TMP/installed"
		installed_tend=$(sed -n 's|.*/supervisord/tend": *"\([^"]*\)".*|\1|p' \
			"$TMP/installed")
		installed_tendctl=$(sed -n 's|.*/ctl/tendctl": *"\([^"]*\)".*|\1|p' \
			"$TMP/installed")
	else
		fail "meson setup fails on the COPY'd sources ($setup_args):"
		sed 's/^/#   /' "$TMP/setup.log" | tail -n 15
	fi
else
	# meson.build: tend in sbindir, tendctl in the default bindir
	prefix=$(echo "$setup_args" | sed -n 's/.*--prefix[ =]\([^ ]*\).*/\1/p')
	: "${prefix:=/usr/local}"
	grep -A3 "executable('tend'" "$ROOT/supervisord/meson.build" |
		grep -q "install_dir: get_option('sbindir')" &&
		installed_tend=$prefix/sbin/tend
	grep -A3 "executable('tendctl'" "$ROOT/ctl/meson.build" |
		grep -q "install_dir" || installed_tendctl=$prefix/bin/tendctl
	echo "# meson not found: install paths read from meson.build"
fi

if [ -z "$installed_tend" ] || [ -z "$installed_tendctl" ]; then
	fail "cannot tell where meson installs tend and tendctl"
else
	[ "$ep_tend" = "$installed_tend" ] &&
		ok "ENTRYPOINT runs $ep_tend, where meson installs tend" ||
		fail "ENTRYPOINT runs $ep_tend, meson installs tend as $installed_tend"
	for bin in "$installed_tend" "$installed_tendctl"; do
		got=$(awk -v s="$destdir$bin" '$2 == s { print $3 }' \
			"$TMP/copy_from")
		case $got in
		"$bin") ok "COPY --from takes $destdir$bin to $bin" ;;
		*/) [ "$got$(basename "$bin")" = "$bin" ] &&
			ok "COPY --from takes $destdir$bin to $got" ||
			fail "COPY --from puts $destdir$bin in $got, not at $bin" ;;
		"") fail "no COPY --from takes $destdir$bin (meson's install path)" ;;
		*) fail "COPY --from puts $destdir$bin at $got, not at $bin" ;;
		esac
	done
fi

# ------------------------------------------------------ runtime libs
# The runtime stage (after the last FROM) installs the packages of the
# shared libraries that tend and tendctl link, besides libc.
if command -v ldd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
	runtime_apt=$(awk '/^FROM /{ s = "" } /^RUN .*apt-get install/{ s = s $0 }
		END { print s }' "$TMP/instr")
	for lib in $(ldd "$TEND_BIN" "$TENDCTL_BIN" 2>/dev/null |
		awk '$2 == "=>" { print $3 }' | sort -u); do
		pkg=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | sed 's/:.*//')
		if [ -z "$pkg" ]; then # /lib is /usr/lib on merged-usr Debian
			pkg=$(dpkg -S "/usr$lib" 2>/dev/null | head -n 1 |
				sed 's/:.*//')
		fi
		case $pkg in
		libc6 | "" | libasan* | libubsan* | libgcc* | libstdc++*) continue ;;
		esac
		case " $runtime_apt " in
		*" $pkg "*) ok "runtime stage installs $pkg ($lib)" ;;
		*) fail "runtime stage does not install $pkg, which has $lib" ;;
		esac
	done
fi

# ---------------------------------------------------------- the image
image=$(sed -n 's/^[ \t]*image:[ \t]*\([^ \t#]*\).*/\1/p' "$POD")
set -- $image
if [ $# -ne 1 ]; then
	fail "pod.yaml should name one image, names: $image"
else
	for f in "$CF" "$README"; do
		grep -q -- "build -f conf/container/Containerfile -t $image \.\$" \
			"$f" &&
			ok "$(basename "$f") builds $image, the image of pod.yaml" ||
			fail "$(basename "$f") has no 'build -f conf/container/Containerfile -t $image .'"
	done
fi
grep -q '^kind: Pod$' "$POD" && ok "pod.yaml is a Pod" ||
	fail "pod.yaml is not a kind: Pod"
grep -q '^[ \t]*restartPolicy: Always$' "$POD" &&
	ok "restartPolicy: Always" || fail "restartPolicy is not Always"
# every command: in pod.yaml belongs to an exec probe; no args: either
awk '/^[ \t]*args:/ { exit 1 }
	/^[ \t]*command:/ && prev !~ /^[ \t]*exec:/ { exit 1 }
	!/^[ \t]*#/ { prev = $0 }' "$POD" &&
	ok "pod.yaml leaves the ENTRYPOINT as it is" ||
	fail "pod.yaml overrides the image's ENTRYPOINT (command: or args:)"

# ------------------------------------------------------------- probes
# probe_command KIND: the words of the exec command of KIND (livenessProbe)
probe_command() {
	awk -v kind="$1" '
	$1 == kind ":" { inside = 1; next }
	inside && /^[ \t]*[a-zA-Z]+Probe:/ { inside = 0 }
	inside && /^[ \t]*command:/ { sub(/^[ \t]*command:[ \t]*/, ""); print; exit }
	' "$POD" | tr -d '[],"'"'"
}

help=$("$TENDCTL_BIN" help 2>&1)
for probe in "livenessProbe:health --alive" "readinessProbe:health"; do
	kind=${probe%%:*}
	want=${probe#*:}
	set -- $(probe_command "$kind")
	if [ $# -eq 0 ]; then
		fail "pod.yaml has no exec command for $kind"
		continue
	fi
	bin=$1
	shift
	[ "$*" = "$want" ] && ok "$kind runs tendctl $want" ||
		fail "$kind runs '$*', not 'tendctl $want'"
	case $(basename "$bin") in
	tendctl) ;;
	*) fail "$kind runs $bin, not tendctl" ;;
	esac
	if [ -n "${installed_tendctl:-}" ]; then
		[ "$bin" = "$installed_tendctl" ] &&
			ok "$kind runs $bin, where the image has tendctl" ||
			fail "$kind runs $bin; the image has tendctl at $installed_tendctl"
	fi
done
echo "$help" | grep -q '^  health \[--alive\] ' &&
	ok "tendctl help lists health [--alive]" ||
	fail "tendctl help does not list health [--alive]"
# tendctl takes both forms as commands (usage errors exit 2; here the
# socket does not exist, which is exit 4)
for args in "health" "health --alive"; do
	TEND_SOCKET=$TMP/none.sock "$TENDCTL_BIN" $args >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 4 ] && ok "tendctl $args is a command (exit 4 without tend)" ||
		fail "tendctl $args exits $rc without tend, not 4 (unreachable)"
done

# ------------------------------------------------------ grace period
# tend stops the root's programs one after the other, then sweeps for
# shutdown_grace: the Pod's grace period must cover the sum.
need=$(awk '
function secs(v) {
	if (v == "brutal_kill") return 0
	if (v == "infinity") return -1
	if (v ~ /ms$/) return substr(v, 1, length(v) - 2) / 1000
	if (v ~ /s$/) return substr(v, 1, length(v) - 1)
	if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60
	if (v ~ /h$/) return substr(v, 1, length(v) - 1) * 3600
	return v
}
function close_prog() { if (inprog) { s = secs(sd); if (s < 0) inf = 1; total += s } }
/^[ \t]*[;#]/ { next }
/^\[/ { close_prog(); inprog = ($0 ~ /^\[program:/); sd = "5s"; next }
{
	line = $0; sub(/[ \t];.*/, "", line)
	if (match(line, /^[ \t]*[a-z_]+[ \t]*=/)) {
		key = line; sub(/[ \t]*=.*/, "", key); gsub(/[ \t]/, "", key)
		val = line; sub(/^[^=]*=[ \t]*/, "", val); sub(/[ \t]*$/, "", val)
		if (inprog && key == "shutdown") sd = val
		if (key == "shutdown_grace") grace = val
	}
}
END {
	close_prog()
	if (inf) { print "infinity"; exit }
	if (grace == "") grace = "5s"
	print int(total + secs(grace) + 0.999)
}' "$ROOT/${conf_src:-conf/container/tend.conf}")
tgps=$(sed -n 's/^[ \t]*terminationGracePeriodSeconds:[ \t]*\([0-9]*\).*/\1/p' "$POD")
if [ "$need" = infinity ]; then
	fail "a program has shutdown = infinity: no grace period covers it"
elif [ -z "$tgps" ]; then
	fail "pod.yaml sets no terminationGracePeriodSeconds (default 30) for ${need}s of shutdown"
elif [ "$tgps" -gt "$need" ]; then
	ok "terminationGracePeriodSeconds $tgps > ${need}s (shutdowns + shutdown_grace)"
else
	fail "terminationGracePeriodSeconds $tgps does not exceed ${need}s (shutdowns + shutdown_grace)"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
