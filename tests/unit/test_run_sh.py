"""./run.sh's first install, without a network: which torch build it asks for, and that it says so.

A stand-in venv whose ``bin/python`` records its arguments (and fails where a test says so)
and a fake ``nvidia-smi`` on PATH stand for pip and the machine; run.sh itself runs for real.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

FAKE_PYTHON = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/../calls.log"
case "$*" in
  "-c import torch") exit 1 ;;  # torch is not installed yet
  "-c import torch, torchvision") [ -n "${BAD_PAIR:-}" ] && exit 1 ;;  # the pair installed does not work
  *urllib.request*) [ -n "${NO_ANSWER:-}" ] && exit 1 ;;  # run.sh asks whether the CPU index answers
  *"--index-url"*) [ -n "${FAIL_INDEX:-}" ] && { echo "ERROR: could not reach the index" >&2; exit 1; } ;;
esac
exit 0
"""


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture()
def fake(tmp_path) -> dict:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    _script(venv / "bin" / "python", FAKE_PYTHON)
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    # run.sh needs bash, sed, grep, dirname, touch: keep a PATH of those only, plus the fake tools
    for tool in ("bash", "sed", "grep", "dirname", "touch", "env", "cat"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run run.sh"
        (bin_dir / tool).symlink_to(found)
    return {"venv": venv, "bin": bin_dir, "log": venv / "calls.log"}


def _gpu(fake: dict, listing: str | None, code: int = 0) -> None:
    """A fake nvidia-smi printing ``listing`` for -L and exiting with ``code``; None: no nvidia-smi."""
    if listing is not None:
        _script(fake["bin"] / "nvidia-smi", f"#!/usr/bin/env bash\nprintf '%s' '{listing}'\nexit {code}\n")


def _run_sh(fake: dict, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {"PATH": str(fake["bin"]), "VENV": str(fake["venv"]), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([str(ROOT / "run.sh"), *args], env=full, capture_output=True, text=True, timeout=120)


def _calls(fake: dict) -> list[str]:
    return fake["log"].read_text().splitlines()


@pytest.mark.parametrize(("listing", "code", "plan"), [
    (None, 0, "cpu"),  # no nvidia-smi
    ("NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.", 9, "cpu"),
    ("", 0, "cpu"),  # nvidia-smi runs but lists no GPU
    ("GPU 0: NVIDIA H200 (UUID: GPU-1234)\n", 0, "default"),
])
def test_the_torch_plan_follows_the_gpu(fake, listing, code, plan):
    _gpu(fake, listing, code)
    done = _run_sh(fake, "--torch-plan")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(plan + ":"), done.stdout
    assert not fake["log"].exists()  # the plan installs nothing


def test_without_a_gpu_the_first_install_takes_torchs_cpu_build_and_says_each_step(fake):
    done = _run_sh(fake, "--setup-only")
    assert done.returncode == 0, done.stdout + done.stderr
    torch_call = next(c for c in _calls(fake) if "--index-url" in c)
    assert f"--index-url {CPU_INDEX} torch>=2.4,<2.15 torchvision>=0.19,<0.30" in torch_call
    pip_calls = [c for c in _calls(fake) if c.startswith("-m pip install")]
    assert pip_calls.index(torch_call) < next(i for i, c in enumerate(pip_calls) if "-r requirements.txt" in c)
    steps = [line for line in done.stdout.splitlines() if line.startswith("==> [")]
    assert [s[:9] for s in steps] == [f"==> [{i}/5]" for i in range(1, 6)], done.stdout
    assert "CPU build" in steps[2] and "no NVIDIA GPU" in steps[2]
    assert all(" -q " not in c for c in pip_calls if "requirements" in c or "--index-url" in c)  # pip's progress shows
    assert (fake["venv"] / ".installed").exists()


def test_an_unreachable_cpu_index_falls_back_to_the_default_and_says_so(fake):
    done = _run_sh(fake, "--setup-only", FAIL_INDEX="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not be installed from " + CPU_INDEX in done.stdout
    assert any("-r requirements.txt" in c for c in _calls(fake))
    assert (fake["venv"] / ".installed").exists()


def test_with_a_gpu_torch_comes_from_the_default_index(fake):
    _gpu(fake, "GPU 0: NVIDIA H200 (UUID: GPU-1234)\n")
    done = _run_sh(fake, "--setup-only")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not any("--index-url" in c for c in _calls(fake))
    assert "NVIDIA GPU was found" in done.stdout


def test_a_cpu_index_that_does_not_answer_is_not_asked_for_every_package(fake):
    done = _run_sh(fake, "--setup-only", NO_ANSWER="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert any("urllib.request" in c and CPU_INDEX in c for c in _calls(fake))  # it was asked once
    assert not any("--index-url" in c for c in _calls(fake))
    assert "does not answer" in done.stdout and any("-r requirements.txt" in c for c in _calls(fake))
    assert (fake["venv"] / ".installed").exists()


def test_a_torch_and_torchvision_that_do_not_work_together_are_removed_again(fake):
    done = _run_sh(fake, "--setup-only", BAD_PAIR="1")
    assert done.returncode == 0, done.stdout + done.stderr
    calls = _calls(fake)
    removed = next(i for i, c in enumerate(calls) if c.startswith("-m pip uninstall") and "torch torchvision" in c)
    assert removed < next(i for i, c in enumerate(calls) if "-r requirements.txt" in c)
    assert "do not work together" in done.stdout
