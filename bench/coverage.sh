#!/usr/bin/env bash
# Line+branch coverage of ketamon/core against the rebuild/review/headless set
# (issue 9: "coverage of rebuild/review/headless is at least that of core").
# Counts the subprocess tests (the real `python -m ketamon ...` command) too.
#   bench/coverage.sh            whole suite
#   bench/coverage.sh tests/io   a subset (figures then cover only what it runs)
# Needs coverage >= 7.10 in the venv (.venv/bin/pip install coverage); not a project dependency.
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RC=bench/coverage.rc
rm -rf .coverage-data && mkdir -p .coverage-data
QT_QPA_PLATFORM=offscreen $PY -m coverage run --rcfile=$RC -m pytest -q -p no:cacheprovider -n 2 "${@:-tests}" >/dev/null || echo "(some tests failed; figures still printed)"
$PY -m coverage combine --rcfile=$RC -q
SET="ketamon/io/rebuild.py,ketamon/review.py,ketamon/headless.py,ketamon/io/summary.py,ketamon/io/actions.py,ketamon/io/run_config.py"
echo "== ketamon/core (all modules)"
$PY -m coverage report --rcfile=$RC --include='ketamon/core/*' | tail -1
echo "== rebuild/review/headless ($SET)"
$PY -m coverage report --rcfile=$RC --include="$SET" -m
