#!/usr/bin/env bash
# Run every test (unit, app pages, real-XTuner end to end, real browser).
# Sets up the virtual environment first if needed (same as ./run.sh).
set -euo pipefail
cd "$(dirname "$0")"
./run.sh --setup-only
# One process by default: on 2 cores, two processes each running a CPU training (torch uses every core)
# made the suite slower, not faster (measured). TEST_WORKERS=N (or auto) runs N processes with
# pytest-xdist on a bigger machine; tests sharing a trained run or the Slurm cluster stay together
# (tests/conftest.py).
workers="${TEST_WORKERS:-1}"
[ "$workers" = 1 ] && exec .venv/bin/python -m pytest "$@"
exec .venv/bin/python -m pytest -n "$workers" --maxprocesses 4 --dist loadgroup "$@"
