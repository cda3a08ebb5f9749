#!/bin/sh
# tests/lint/cppcheck.sh: cppcheck over supervisord, ctl and demo (suite "lint").
#
#   cppcheck.sh SOURCE_ROOT
#
# The checks of STYLE.md (warning, performance, portability). A false
# report is suppressed where it is, with the reason, as
# "cppcheck-suppress ID" on the line before (hence --inline-suppr).
# Without cppcheck, says so and exits 77 (skipped).
set -eu
root=$1

if ! command -v cppcheck >/dev/null 2>&1; then
	echo "SKIP: cppcheck not found (on Debian: apt-get install cppcheck)"
	exit 77
fi
cppcheck --version

cd "$root"
exec cppcheck --enable=warning,performance,portability --error-exitcode=1 \
    -q --inline-suppr -I supervisord -D_GNU_SOURCE -D__x86_64__ \
    supervisord ctl demo
