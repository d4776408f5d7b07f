#!/usr/bin/env bash
# Run every test (unit, app pages, real-XTuner end to end, real browser).
# Sets up the virtual environment first if needed (same as ./run.sh).
set -euo pipefail
cd "$(dirname "$0")"
./run.sh --setup-only
# Tests run in as many processes as the machine has cores (at most 4; TEST_WORKERS=1 for one
# process); tests that share a trained run or the Slurm cluster stay together (tests/conftest.py).
workers="${TEST_WORKERS:-auto}"
[ "$workers" = 1 ] && exec .venv/bin/python -m pytest "$@"
exec .venv/bin/python -m pytest -n "$workers" --maxprocesses 4 --dist loadgroup "$@"
