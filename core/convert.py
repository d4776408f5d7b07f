"""From a training checkpoint to a model you can chat with: pth_to_hf, then merge.

Finds checkpoints (what the tutorial does with ``ls -t | head -n 1``), builds the convert
and merge steps as one background job, and checks the outputs. The merge writes into a
``.partial`` folder that is renamed only when the merge succeeded, so an interrupted merge
is never offered as a model; an earlier merged folder is kept, renamed, not overwritten.
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core import jobs, procs, xtuner_cli
from core.estimate import read_shape
from core.models import is_model_dir
from core.xtuner_cli import Invocation

CKPT_RE = re.compile(r"^iter_(\d+)\.pth$")

def _finalize_step(tmp: Path, merged_dir: Path) -> jobs.Step:
    """The merge's last step: the finished ``.partial`` folder becomes ``merged_dir`` (core/procs/finalize_merge.py)."""
    argv = [sys.executable, str(procs.path("finalize_merge")), str(tmp), str(merged_dir)]
    return jobs.Step("finalize", Invocation(argv, {}, f"mv {tmp} {merged_dir}"))


def _complete(path: Path) -> bool:
    """A checkpoint file is complete once torch has written its zip directory, which comes last;
    a training stopped while saving leaves a file without one, which cannot be loaded."""
    try:
        return path.is_dir() or zipfile.is_zipfile(path)
    except OSError:  # removed meanwhile (save_total_limit)
        return False


def checkpoints(work_dir: Path) -> list[Path]:
    """Every complete ``iter_N.pth`` (file, or DeepSpeed folder) in a work dir, newest (highest N) first."""
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        return []
    found = [p for p in work_dir.iterdir() if CKPT_RE.match(p.name) and _complete(p)]
    return sorted(found, key=lambda p: int(CKPT_RE.match(p.name).group(1)), reverse=True)


def latest_checkpoint(work_dir: Path) -> Path | None:
    """The newest checkpoint: XTuner's ``last_checkpoint`` record if valid, else the highest N."""
    record = Path(work_dir) / "last_checkpoint"
    if record.is_file():
        path = Path(record.read_text(encoding="utf-8").strip())
        if path.exists():
            return path
    found = checkpoints(work_dir)
    return found[0] if found else None


def is_adapter_dir(path: Path) -> bool:
    path = Path(path)
    return (path / "adapter_config.json").is_file() and (
        any(path.glob("adapter_model*.bin")) or any(path.glob("adapter_model*.safetensors"))
    )


def partial_path(out_dir: Path) -> Path:
    return Path(str(out_dir) + ".partial")


def convert_steps(
    config: Path,
    checkpoint: Path,
    adapter_dir: Path,
    *,
    base_model: Path | None = None,
    merged_dir: Path | None = None,
    cpu_only: bool = False,
    quantized: bool = False,
    fp32: bool = False,
    device: str = "cpu",
    max_shard_size: str | None = None,
    safe_serialization: bool = False,
    model: Path | str | None = None,
) -> list[jobs.Step]:
    """pth_to_hf (and, with ``base_model`` and ``merged_dir``, merge) as job steps (``model``: the
    config's model folder, when ``base_model`` is not given, for :func:`core.xtuner_cli.threads_env`).

    A QLoRA config builds a 4-bit model, which needs CUDA; with ``cpu_only`` and
    ``quantized`` the conversion is told to build the model unquantized instead (the
    adapter weights are the same).
    """
    options = ["model.llm.quantization_config=None"] if (cpu_only and quantized) else None
    steps = [jobs.Step("pth_to_hf", xtuner_cli.pth_to_hf(
        config, checkpoint, adapter_dir, fp32=fp32, max_shard_size=max_shard_size,
        safe_serialization=safe_serialization, cfg_options=options, model=base_model or model))]
    if base_model is not None and merged_dir is not None:
        tmp = partial_path(merged_dir)
        merge_inv = xtuner_cli.merge(base_model, adapter_dir, tmp, device=device,
                                     max_shard_size=max_shard_size, safe_serialization=safe_serialization)
        display = xtuner_cli.merge(base_model, adapter_dir, merged_dir, device=device,
                                   max_shard_size=max_shard_size,
                                   safe_serialization=safe_serialization).display
        steps.append(jobs.Step("merge", Invocation(merge_inv.argv, merge_inv.env, display, merge_inv.drop_env)))
        steps.append(_finalize_step(tmp, merged_dir))
    return steps


def merge_steps(base_model: Path, adapter_dir: Path, merged_dir: Path, *, device: str = "cpu",
                max_shard_size: str | None = None, safe_serialization: bool = False) -> list[jobs.Step]:
    """Merge alone, for an adapter that already exists."""
    tmp = partial_path(merged_dir)
    inv = xtuner_cli.merge(base_model, adapter_dir, tmp, device=device, max_shard_size=max_shard_size,
                           safe_serialization=safe_serialization)
    return [
        jobs.Step("merge", inv),
        _finalize_step(tmp, merged_dir),
    ]


REPO_ROOT = Path(__file__).resolve().parents[1]


def verify_step(merged_dir: Path, template: str | None, system: str, questions: str | list[str], *,
                model: Path | str | None = None) -> jobs.Step:
    """Load the merged folder in the job and answer each of ``questions`` (see core.verify_model);
    ``model``: its base model's folder (same shape; the merged one does not exist yet), for
    :func:`core.xtuner_cli.threads_env`."""
    script = REPO_ROOT / "core" / "verify_model.py"
    asked = [questions] if isinstance(questions, str) else list(questions)
    argv = [sys.executable, str(script), str(merged_dir), template or "", system or "", *asked]
    env = {**xtuner_cli.OFFLINE_ENV, **xtuner_cli.threads_env(model)}
    return jobs.Step("verify", Invocation(argv, env, f"python {script} {merged_dir}"))


def verify_answers(log_text: str) -> list[tuple[str, str]]:
    """Every (question, answer) the verify step printed, in order."""
    out: list[tuple[str, str]] = []
    question = ""
    for line in log_text.splitlines():
        if line.startswith("VERIFY_QUESTION: "):
            question = line.split(": ", 1)[1]
        elif line.startswith("VERIFY_ANSWER: "):
            out.append((question, line.split(": ", 1)[1]))
    return out


def verify_result(log_text: str) -> tuple[str, str] | None:
    """The first (question, answer) printed by the verify step, if it ran."""
    found = verify_answers(log_text)
    return found[0] if found else None


@dataclass(frozen=True)
class Preflight:
    disk_free: int
    disk_needed: int
    ram_free: int
    model_bytes: int
    gpu_free: int | None
    suggested_device: str
    warnings: list[str]


def folder_bytes(folder: Path) -> int:
    folder = Path(folder)
    if folder.is_file():
        return folder.stat().st_size
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def preflight(base_model: Path, checkpoint: Path, out_root: Path, *, merge: bool, device: str,
              gpu_free: int | None) -> Preflight:
    """Free disk vs expected output, free RAM/VRAM vs model size, and the device to use."""
    import shutil

    import psutil

    shape = read_shape(Path(base_model))
    model_bytes = shape.params * 2 if shape else folder_bytes(base_model)  # merge writes fp16
    needed = folder_bytes(checkpoint) + (model_bytes if merge else 0)
    disk_free = shutil.disk_usage(out_root).free
    ram_free = psutil.virtual_memory().available
    warnings: list[str] = []
    if needed * 1.1 > disk_free:
        warnings.append("convert.warn.disk")
    suggested = "cpu"
    if gpu_free is not None and gpu_free > model_bytes * 1.3:
        suggested = "cuda"
    elif gpu_free is not None:
        suggested = "auto" if ram_free > model_bytes * 1.3 else "cpu"
    if merge and device == "cuda" and (gpu_free is None or gpu_free < model_bytes * 1.3):
        warnings.append("convert.warn.vram")
    if merge and device == "cpu" and ram_free < model_bytes * 1.3:
        warnings.append("convert.warn.ram")
    return Preflight(disk_free, needed, ram_free, model_bytes, gpu_free, suggested, warnings)


def zip_folder(folder: Path) -> bytes:
    """A zip of a folder's files (the adapter to take away), built in memory."""
    import io
    import zipfile

    buf = io.BytesIO()
    folder = Path(folder)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    return buf.getvalue()


def output_tree(folder: Path) -> list[tuple[str, int]]:
    """Files of a folder with sizes in bytes, like the tutorial's ``tree`` listings."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [(str(p.relative_to(folder)), p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file()]


def merged_ready(folder: Path) -> bool:
    """A merged folder that finished (not ``.partial``) and looks like a model."""
    folder = Path(folder)
    return not folder.name.endswith(".partial") and is_model_dir(folder)
