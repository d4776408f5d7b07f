#!/usr/bin/env bash
# Set up everything (first time only) and start Assistant Studio.
#   ./run.sh                      start the app on http://127.0.0.1:8501
#   ./run.sh --setup-only         install, do not start
#   ./run.sh -- --workspace DIR   use another workspace folder
#   ./run.sh --server.port 8600   another port (same as PORT=8600 ./run.sh)
#   ./run.sh --torch-plan         say which torch build the first install would take, install nothing
# Environment: PYTHON (default python3), VENV (default .venv), PORT (default 8501),
#   TORCH_CPU_INDEX (where torch's CPU build comes from on a machine without an NVIDIA GPU;
#   default https://download.pytorch.org/whl/cpu, empty: always the default build).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
STAMP="$VENV/.installed"
TORCH_CPU_INDEX="${TORCH_CPU_INDEX-https://download.pytorch.org/whl/cpu}"
PIP=("$VENV/bin/python" -m pip install --progress-bar on)

need_install() {
  [ ! -x "$VENV/bin/python" ] && return 0
  [ ! -f "$STAMP" ] && return 0
  [ requirements.txt -nt "$STAMP" ] || [ requirements-xtuner.txt -nt "$STAMP" ]
}

has_nvidia_gpu() {  # nvidia-smi is there and lists at least one GPU
  command -v nvidia-smi >/dev/null 2>&1 || return 1
  nvidia-smi -L 2>/dev/null | grep -q '^GPU '
}

torch_plan() {  # "cpu" (no NVIDIA GPU and a CPU index to ask) or "default"
  if [ -n "$TORCH_CPU_INDEX" ] && ! has_nvidia_gpu; then echo cpu; else echo default; fi
}

torch_lines() {  # torch's and torchvision's lines of requirements.txt, comments dropped
  sed -n -E 's/[[:space:]]*#.*$//; /^(torch|torchvision)[<>=!~ ]/p' requirements.txt
}

step() { echo "==> [$1/5] $2"; }

index_answers() {  # the CPU index answers within 10 s (a machine that cannot resolve it fails at once,
  # where pip would retry every package five times before falling back)
  "$VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1].rstrip('/') + '/torch/', timeout=10)" \
    "$TORCH_CPU_INDEX" >/dev/null 2>&1
}

if [ "${1:-}" = "--torch-plan" ]; then
  if [ "$(torch_plan)" = cpu ]; then
    echo "cpu: no NVIDIA GPU found; torch's CPU build from $TORCH_CPU_INDEX"
  else
    echo "default: torch from the default package index"
  fi
  exit 0
fi

if need_install; then
  echo "==> setting up $VENV (the first time takes a few minutes: torch alone is a large download)"
  if [ -x "$VENV/bin/python" ]; then
    step 1 "virtual environment $VENV is there"
  else
    step 1 "creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  step 2 "upgrading pip"
  "${PIP[@]}" -q --upgrade pip
  if "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    step 3 "torch is already installed: kept"
  elif [ "$(torch_plan)" = cpu ] && ! index_answers; then
    step 3 "no NVIDIA GPU found, but $TORCH_CPU_INDEX does not answer: torch comes from the default index in the next step"
  elif [ "$(torch_plan)" = cpu ]; then
    step 3 "no NVIDIA GPU found: installing torch's CPU build (a fraction of the CUDA build's several GB) from $TORCH_CPU_INDEX"
    mapfile -t specs < <(torch_lines)
    if ! "${PIP[@]}" --index-url "$TORCH_CPU_INDEX" "${specs[@]}"; then
      echo "==> torch's CPU build could not be installed from $TORCH_CPU_INDEX (not reachable, or no matching"
      echo "    version there); the next step installs torch from the default index instead (a larger download)"
    elif ! "$VENV/bin/python" -c "import torch, torchvision" >/dev/null 2>&1; then
      # e.g. a torchvision built for another torch (pip's own find-links can offer such a pair)
      echo "==> the torch and torchvision just installed do not work together; removing them, the next step"
      echo "    installs both from the default index instead"
      "$VENV/bin/python" -m pip uninstall -q -y torch torchvision
    fi
  else
    step 3 "an NVIDIA GPU was found: torch comes from the default index in the next step"
  fi
  step 4 "installing the libraries of requirements.txt (transformers, mmengine, peft, streamlit…)"
  "${PIP[@]}" -r requirements.txt
  step 5 "installing XTuner 0.2.0 (without its outdated pins, see requirements.txt)"
  "${PIP[@]}" --no-deps -r requirements-xtuner.txt
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
