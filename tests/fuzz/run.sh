#!/bin/sh
# tests/fuzz/run.sh: one libFuzzer target as a meson test (suite "fuzz").
#
#   run.sh FUZZER SEEDS DICT ARTIFACTS RUNS SECONDS MAX_LEN
#   run.sh --skip REASON
#
# Runs FUZZER for RUNS inputs (at most SECONDS seconds) from the seed
# corpus SEEDS, with the dictionary DICT, inputs of at most MAX_LEN bytes.
# New inputs go to a temporary directory, never into SEEDS. An input that
# crashes, leaks, hits UB or hangs (10 s) is saved as ARTIFACTS<kind>-<sha1>
# and the test fails. With --skip (no clang with libFuzzer), says why and
# exits 77: meson counts it as skipped, not passed.
set -eu

if [ "$1" = "--skip" ]; then
	echo "SKIP: $2"
	exit 77
fi
fuzzer=$1 seeds=$2 dict=$3 artifacts=$4 runs=$5 seconds=$6 max_len=$7

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$artifacts")"

export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
rc=0
# libFuzzer's own exit status for a finding is 77, which meson would
# count as a skip: ask for 1, and never pass a 77 on.
"$fuzzer" -runs="$runs" -max_total_time="$seconds" -max_len="$max_len" \
    -timeout=10 -error_exitcode=1 -timeout_exitcode=1 -dict="$dict" \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$work" "$seeds" ||
    rc=$?
if [ "$rc" -eq 77 ]; then
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "$(basename "$fuzzer") failed (status $rc); the input is above" \
	    "(\"Test unit written to ...\"). Reproduce: $fuzzer FILE" >&2
fi
exit "$rc"
