#!/bin/sh
# tests/lint/clang-tidy.sh: clang-tidy over supervisord/*.c, ctl/*.c and demo/*.c,
# any warning an error (suite "lint").
#
#   clang-tidy.sh SOURCE_ROOT BUILD_DIR
#
# The checks are .clang-tidy's, the flags those of BUILD_DIR's
# compile_commands.json. One clang-tidy per file, as many at a time as
# there are CPUs, niced so that the tests running beside them keep theirs.
# One per file also because clang-tidy 14, given several files, reports
# the va_lists of all but the first as uninitialized (llvm-project#40656).
# Without clang-tidy, says so and exits 77 (skipped).
set -eu

# One file (run by xargs below): clang-tidy's report on FILE in REPORT,
# and REPORT.failed if it found anything.
if [ "${1:-}" = "--one" ]; then
	build=$2 file=$3 report=$4
	if ! clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
	    "$file" >"$report" 2>&1; then
		: >"$report.failed"
	fi
	exit 0
fi

root=$1
build=$2

if ! command -v clang-tidy >/dev/null 2>&1; then
	echo "SKIP: clang-tidy not found (on Debian: apt-get install clang-tidy)"
	exit 77
fi
if [ ! -f "$build/compile_commands.json" ]; then
	echo "no $build/compile_commands.json (meson writes it at setup)" >&2
	exit 1
fi
clang-tidy --version | grep -i version

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-tidy.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
n=0
for f in supervisord/*.c ctl/*.c demo/*.c; do
	n=$((n + 1))
	printf '%s\0%s\0' "$f" "$work/$n"
done >"$work/args"
jobs=$(nproc 2>/dev/null || echo 2)
xargs -0 -n 2 -P "$jobs" nice -n 10 sh "$0" --one "$build" <"$work/args"

failed=0
for f in "$work"/*.failed; do
	[ -e "$f" ] || continue
	failed=$((failed + 1))
	cat "${f%.failed}"
done
if [ "$failed" -ne 0 ]; then
	echo "clang-tidy: warnings in $failed of $n files (above)" >&2
	exit 1
fi
echo "clang-tidy: $n files, no warnings"
