"""From a training checkpoint to a model you can chat with: pth_to_hf, then merge.

Finds checkpoints (what the tutorial does with ``ls -t | head -n 1``), builds the convert
and merge steps as one background job, and checks the outputs. The merge writes into a
``.partial`` folder that is renamed only when the merge succeeded, so an interrupted merge
is never offered as a model; an earlier merged folder is kept, renamed, not overwritten.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from core import jobs, xtuner_cli
from core.demo_model import is_model_dir
from core.xtuner_cli import Invocation

CKPT_RE = re.compile(r"^iter_(\d+)\.pth$")

# Runs as a final step: move the finished merge into place, keeping any earlier one.
_FINALIZE = (
    "import os, sys, time\n"
    "tmp, final = sys.argv[1], sys.argv[2]\n"
    "if os.path.exists(final):\n"
    "    os.replace(final, final + '.previous-' + time.strftime('%Y%m%d-%H%M%S'))\n"
    "os.replace(tmp, final)\n"
    "print('merged model ready:', final)\n"
)


def checkpoints(work_dir: Path) -> list[Path]:
    """Every ``iter_N.pth`` (file, or DeepSpeed folder) in a work dir, newest (highest N) first."""
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        return []
    found = [p for p in work_dir.iterdir() if CKPT_RE.match(p.name)]
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
) -> list[jobs.Step]:
    """pth_to_hf (and, with ``base_model`` and ``merged_dir``, merge) as job steps.

    A QLoRA config builds a 4-bit model, which needs CUDA; with ``cpu_only`` and
    ``quantized`` the conversion is told to build the model unquantized instead (the
    adapter weights are the same).
    """
    options = ["model.llm.quantization_config=None"] if (cpu_only and quantized) else None
    steps = [jobs.Step("pth_to_hf", xtuner_cli.pth_to_hf(
        config, checkpoint, adapter_dir, fp32=fp32, max_shard_size=max_shard_size,
        safe_serialization=safe_serialization, cfg_options=options))]
    if base_model is not None and merged_dir is not None:
        tmp = partial_path(merged_dir)
        merge_inv = xtuner_cli.merge(base_model, adapter_dir, tmp, device=device,
                                     max_shard_size=max_shard_size, safe_serialization=safe_serialization)
        display = xtuner_cli.merge(base_model, adapter_dir, merged_dir, device=device,
                                   max_shard_size=max_shard_size,
                                   safe_serialization=safe_serialization).display
        steps.append(jobs.Step("merge", Invocation(merge_inv.argv, merge_inv.env, display, merge_inv.drop_env)))
        steps.append(jobs.Step("finalize", Invocation(
            [sys.executable, "-c", _FINALIZE, str(tmp), str(merged_dir)], {}, f"mv {tmp} {merged_dir}")))
    return steps


def merge_steps(base_model: Path, adapter_dir: Path, merged_dir: Path, *, device: str = "cpu",
                max_shard_size: str | None = None, safe_serialization: bool = False) -> list[jobs.Step]:
    """Merge alone, for an adapter that already exists."""
    tmp = partial_path(merged_dir)
    inv = xtuner_cli.merge(base_model, adapter_dir, tmp, device=device, max_shard_size=max_shard_size,
                           safe_serialization=safe_serialization)
    return [
        jobs.Step("merge", inv),
        jobs.Step("finalize", Invocation([sys.executable, "-c", _FINALIZE, str(tmp), str(merged_dir)], {},
                                         f"mv {tmp} {merged_dir}")),
    ]


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
