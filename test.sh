#!/usr/bin/env bash
# Run every test (unit, app pages, real-XTuner end to end, real browser).
# Sets up the virtual environment first if needed (same as ./run.sh).
set -euo pipefail
cd "$(dirname "$0")"
./run.sh --setup-only
exec .venv/bin/python -m pytest "$@"
