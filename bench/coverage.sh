#!/usr/bin/env bash
# Line+branch coverage of ketamon/core against rebuild/review/headless
# (issue 9: "coverage of rebuild/review/headless is at least that of core").
# The whole suite on both cores, the subprocess tests (the real `python -m ketamon ...`
# command) counted too: bench/coverage.rc has `patch = subprocess`.
#   bench/coverage.sh            whole suite (about 6-10 min under coverage on a shared machine)
#   bench/coverage.sh tests/io   a subset (figures then cover only what it runs)
# Each line knows the test that ran it: e.g. the figure without some test files,
#   .venv/bin/python -m coverage report --rcfile=bench/coverage.rc --include=... \
#       --contexts='^(?!tests\.test_headless_loops\.)'
# Needs coverage >= 7.10 in the venv (.venv/bin/pip install coverage); not a project dependency.
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RC=bench/coverage.rc
rm -rf .coverage-data && mkdir -p .coverage-data
QT_QPA_PLATFORM=offscreen $PY -m coverage run --rcfile=$RC -m pytest -q -p no:cacheprovider -n 2 \
    "${@:-tests}" > .coverage-data/pytest.txt 2>&1 || echo "(some tests failed; figures still printed)"
tail -1 .coverage-data/pytest.txt
$PY -m coverage combine --rcfile=$RC -q
THREE="ketamon/io/rebuild.py,ketamon/review.py,ketamon/headless.py"
# What those three are built from: the summary review prints, the actions file, the run config.
SET="$THREE,ketamon/io/summary.py,ketamon/io/actions.py,ketamon/io/run_config.py"
echo "== ketamon/core (all modules)"
$PY -m coverage report --rcfile=$RC --include='ketamon/core/*' | tail -1
echo "== rebuild/review/headless ($THREE)"
$PY -m coverage report --rcfile=$RC --include="$THREE" | tail -1
echo "== rebuild/review/headless and what they are built from"
$PY -m coverage report --rcfile=$RC --include="$SET" -m
