#!/bin/sh
# tests/lint/format.sh: every C file of supervisord, ctl, tests, bench and demo
# is as .clang-format says (suite "lint").
#
#   format.sh SOURCE_ROOT
#
# Hidden directories are left out (bench/.work holds a copy of the tree
# and a build). Without clang-format, says so and exits 77 (skipped). To
# fix a file: clang-format -i FILE.
set -eu
root=$1

if ! command -v clang-format >/dev/null 2>&1; then
	echo "SKIP: clang-format not found (on Debian: apt-get install clang-format)"
	exit 77
fi
clang-format --version

cd "$root"
rc=0
find supervisord ctl tests bench demo -name '.*' -prune -o \
    -name '*.[ch]' -type f -print | sort |
    xargs clang-format --dry-run -Werror || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "not as .clang-format says: the files above (clang-format -i FILE)" >&2
	exit 1
fi
