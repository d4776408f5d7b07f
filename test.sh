#!/usr/bin/env bash
# Run every test (unit, app pages, real-XTuner end to end, real browser).
# Sets up the virtual environment first if needed (same as ./run.sh).
set -euo pipefail
cd "$(dirname "$0")"
./run.sh --setup-only
# Two processes by default (pytest-xdist): a small model's CPU training runs torch on one thread
# (core/xtuner_cli.threads_env), so one process left a core idle most of the time. On 2 idle cores the
# whole suite took 1,170 s in one process and 771 s in two (the second run also skipped mmengine's
# epoch-end pause, a few seconds a training). TEST_WORKERS=N
# (or auto) sets the count, TEST_WORKERS=1 runs it in this process; tests sharing a trained run or the
# Slurm cluster stay together in one process (tests/conftest.py).
workers="${TEST_WORKERS:-2}"
[ "$workers" = 1 ] && exec .venv/bin/python -m pytest "$@"
exec .venv/bin/python -m pytest -n "$workers" --maxprocesses 4 --dist loadgroup "$@"
