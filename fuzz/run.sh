#!/usr/bin/env bash
# Run each atheris fuzz target for a fixed budget and report its executions and coverage.
#
#   fuzz/run.sh [SECONDS] [TARGET ...]      SECONDS per target (default 60, or $FUZZ_SECONDS);
#                                           TARGET: validation, cli_reader (default both)
#
# Needs atheris (pip install atheris). The checked-in seeds in fuzz/corpus/<target> are read, never
# written: new inputs go to a scratch folder ($FUZZ_CORPUS_OUT/<target> to keep them). A finding
# stops that target and is saved as fuzz/findings/<target>-crash-*; replay it with
# `python fuzz/fuzz_<target>.py fuzz/findings/<file>`. Exit status 1 if any target found something.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
budget=${1:-${FUZZ_SECONDS:-60}}
shift $(( $# > 0 ? 1 : 0 ))
targets=("${@:-validation cli_reader}")
python=${PYTHON:-python}
mkdir -p "$here/findings"
status=0
for target in ${targets[@]}; do
    scratch=
    out=${FUZZ_CORPUS_OUT:+$FUZZ_CORPUS_OUT/$target}
    [ -n "$out" ] || { scratch=$(mktemp -d); out=$scratch; }
    mkdir -p "$out"
    log=$(mktemp)
    echo "== $target: ${budget}s"
    # -timeout flags a hang (one input over 30 s); -rss_limit_mb a runaway allocation
    nice "$python" "$here/fuzz_$target.py" "$out" "$here/corpus/$target" -max_total_time="$budget" \
        -timeout=30 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$here/findings/$target-" >"$log" 2>&1
    rc=$?
    executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    echo "$target: ${executions:-?} executions, ${coverage:-no coverage line}, exit status $rc (log: $log)"
    [ -n "$scratch" ] && rm -rf "$scratch"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -E -m 20 'Finding|Error|Traceback|crash-|Test unit written' "$log"
    fi
done
exit $status
