"""What this machine has: GPUs, memory, disk, library versions, with plain warnings.

GPU details come from a short subprocess (``torch.cuda``), so the app process itself does
not import torch just to show the home page.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from core import procs, slurm

PACKAGES = ("torch", "xtuner", "transformers", "peft", "bitsandbytes", "accelerate", "mmengine",
            "datasets", "streamlit", "deepspeed")

@dataclass
class GPU:
    name: str
    free: int
    total: int
    bf16: bool = False


@dataclass
class SystemInfo:
    gpus: list[GPU] = field(default_factory=list)
    cuda: str | None = None
    versions: dict[str, str | None] = field(default_factory=dict)
    ram_free: int = 0
    ram_total: int = 0
    disk_free: int = 0
    disk_total: int = 0
    cpus: int = 0
    python: str = ""
    warnings: list[str] = field(default_factory=list)


def version(name: str) -> str | None:
    """The installed version of a package, or None (looked up, not imported: DeepSpeed's import is slow)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def has_package(name: str) -> bool:
    """Whether ``name`` is installed for this Python."""
    return version(name) is not None


def versions() -> dict[str, str | None]:
    return {name: version(name) for name in PACKAGES}


def gpu_info(timeout: float = 60) -> tuple[list[GPU], str | None]:
    try:
        proc = subprocess.run([sys.executable, str(procs.path("gpu_query"))], capture_output=True, text=True,
                              timeout=timeout, check=False)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return [], None
    return [GPU(**g) for g in data.get("gpus", [])], data.get("cuda")


def collect(workspace: Path) -> SystemInfo:
    """Everything the home page shows, with warnings (each a message key plus values)."""
    gpus, cuda = gpu_info()
    vm = psutil.virtual_memory()
    disk = shutil.disk_usage(workspace)
    info = SystemInfo(
        gpus=gpus, cuda=cuda, versions=versions(), ram_free=vm.available, ram_total=vm.total,
        disk_free=disk.free, disk_total=disk.total, cpus=psutil.cpu_count() or 1,
        python=f"{platform.python_version()} ({sys.executable})",
    )
    if not gpus:
        info.warnings.append("warn.no_gpu")
    if disk.free < 10 * 2**30:
        info.warnings.append("warn.low_disk")
    if vm.available < 4 * 2**30:
        info.warnings.append("warn.low_ram")
    for name in ("torch", "xtuner", "transformers", "peft"):
        if info.versions.get(name) is None:
            info.warnings.append(f"warn.missing:{name}")
    # Slurm's commands (for the Train page's "Slurm cluster"): said here, not found missing at submit time.
    info.versions["slurm"] = slurm.version()
    missing = slurm.missing_commands()
    if missing and info.versions["slurm"]:
        info.warnings.append(f"warn.slurm_partial:{', '.join(missing)}")
    return info


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TB"
