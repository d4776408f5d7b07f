#!/usr/bin/env bash
# Set up everything (first time only) and start Assistant Studio.
#   ./run.sh                      start the app on http://127.0.0.1:8501
#   ./run.sh --setup-only         install, do not start
#   ./run.sh -- --workspace DIR   use another workspace folder
#   ./run.sh --server.port 8600   another port (same as PORT=8600 ./run.sh)
# Environment: PYTHON (default python3), VENV (default .venv), PORT (default 8501).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
STAMP="$VENV/.installed"

need_install() {
  [ ! -x "$VENV/bin/python" ] && return 0
  [ ! -f "$STAMP" ] && return 0
  [ requirements.txt -nt "$STAMP" ] || [ requirements-xtuner.txt -nt "$STAMP" ]
}

if need_install; then
  echo "==> setting up $VENV (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements.txt
  "$VENV/bin/python" -m pip install -q --no-deps -r requirements-xtuner.txt
  "$VENV/bin/python" -c "import xtuner, peft, bitsandbytes, streamlit" 2>/dev/null \
    || { echo "setup failed: a library does not import"; exit 1; }
  touch "$STAMP"
fi

if [ "${1:-}" = "--setup-only" ]; then
  echo "==> ready"
  exit 0
fi

PORT="${PORT:-8501}"
# A --server.port among the arguments wins (Streamlit takes the last one); announce that port.
prev=""
for arg in "$@"; do
  [ "$arg" = "--" ] && break
  case "$arg" in
    --server.port=*) PORT="${arg#--server.port=}" ;;
    *) [ "$prev" = "--server.port" ] && PORT="$arg" ;;
  esac
  prev="$arg"
done
echo "==> Assistant Studio on http://127.0.0.1:$PORT (Ctrl+C to stop)"
exec "$VENV/bin/python" -m streamlit run app.py --server.port "$PORT" "$@"
