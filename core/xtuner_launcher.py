"""Run one XTuner tool inside this Python, after applying compatibility fixes.

Started as a script (``python core/xtuner_launcher.py TOOL ARGS...``, or by torchrun for
several GPUs), so it imports nothing from the app. The exit code is the tool's own, unlike
the ``xtuner`` console script, which always exits 0.

Fixes applied before the tool runs:
- ``torch.cpu.is_bf16_supported`` is missing in current torch, and XTuner's
  ``SupervisedFinetune`` calls it when no GPU is present; it is added (answering False).
- Several processes without a GPU (``--launcher pytorch`` or ``slurm`` on CPUs, as the
  several-node tests run): mmengine calls ``torch.cuda.set_device`` unconditionally, the
  configs ask for the ``nccl`` backend, and mmengine wraps the model in DDP with
  ``device_ids=[LOCAL_RANK]``, which DDP refuses for a CPU model. Without CUDA the first
  becomes a no-op, ``nccl`` becomes ``gloo``, and DDP gets no device ids. With a GPU
  nothing changes.
- Small datasets are mapped in this process (:func:`map_small_datasets_in_process`): XTuner asks
  ``datasets`` for 32 worker processes on every map of the data (template, tokenizing, filtering,
  packing), whatever its size; for the tutorial's 202 records that was 16 of a CPU run's 40 s on two
  cores. The data is still cut into the same shards and each shard packed on its own, so the
  samples, and the steps the app plans, are the ones the worker processes would have made.
- No pause between epochs without loader workers (:func:`skip_epoch_pause_without_workers`): mmengine
  sleeps 2 s at every epoch's end before restarting the data loader, against a deadlock of its worker
  processes; a loader with none (``dataloader_num_workers = 0``, every CPU config) has nothing to wait
  for. The demo's 3 epochs lost 4 s of a 22 s training to it, a 6-epoch run 10 s of 31.
"""

from __future__ import annotations

import runpy
import sys

# Up to this many records a map runs in this process; above it, worker processes pay for themselves.
SMALL_MAP_ROWS = 10_000

TOOLS = {
    "train": "xtuner.tools.train",
    "pth_to_hf": "xtuner.tools.model_converters.pth_to_hf",
    "merge": "xtuner.tools.model_converters.merge",
    "chat": "xtuner.tools.chat",
    "check-custom-dataset": "xtuner.tools.check_custom_dataset",
}


def apply_compat_fixes() -> None:
    import torch

    if not hasattr(torch.cpu, "is_bf16_supported"):
        torch.cpu.is_bf16_supported = lambda *args, **kwargs: False


def distributed_launcher(args: list[str]) -> bool:
    """Whether the tool's arguments ask for several processes (``--launcher`` other than none)."""
    for i, arg in enumerate(args):
        if arg == "--launcher" and i + 1 < len(args):
            return args[i + 1] != "none"
        if arg.startswith("--launcher="):
            return arg.split("=", 1)[1] != "none"
    return False


def apply_cpu_distributed_fixes() -> None:
    import torch

    if torch.cuda.is_available():
        return
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel

    torch.cuda.set_device = lambda *args, **kwargs: None
    init_process_group = dist.init_process_group

    def _init_process_group(backend=None, *args, **kwargs):
        if backend in (None, "nccl"):
            backend = "gloo"
        return init_process_group(backend, *args, **kwargs)

    dist.init_process_group = _init_process_group
    ddp_init = MMDistributedDataParallel.__init__

    def _ddp_init(self, module, *args, **kwargs):
        kwargs["device_ids"] = None
        kwargs.pop("output_device", None)
        ddp_init(self, module, *args, **kwargs)

    MMDistributedDataParallel.__init__ = _ddp_init


def map_small_datasets_in_process(limit: int = SMALL_MAP_ROWS) -> None:
    """``Dataset.map(..., num_proc=N)`` on at most ``limit`` records without worker processes.

    Same result as the pool: the records are cut into the same ``N`` contiguous shards (``datasets``'
    own rule, at most one per record), each shard is mapped by a fresh copy of the function (what a
    worker unpickles, so XTuner's packer starts empty on each shard), and the shards are joined in
    order. One progress bar for the whole map, named as ``datasets`` names the pool's, so the app's
    reading of the preparation (:mod:`core.preparation`) is unchanged. ``filter`` and
    ``flatten_indices`` go through ``map`` and follow; a map with indices or ranks (``filter``'s) runs in
    one piece, which for XTuner's row-by-row filter is the same result.
    """
    import datasets
    import dill
    from datasets.utils import logging as ds_logging
    from datasets.utils.tqdm import tqdm as hf_tqdm

    pooled_map = datasets.Dataset.map

    def _map(self, function=None, *args, num_proc=None, **kwargs):
        if not num_proc or num_proc <= 1 or len(self) > limit or args:
            return pooled_map(self, function, *args, num_proc=num_proc, **kwargs)
        if kwargs.get("with_indices") or kwargs.get("with_rank"):  # filter: row by row, one piece is the same
            return pooled_map(self, function, **kwargs)
        shards = min(int(num_proc), len(self))
        bars_were_off = ds_logging.is_progress_bar_enabled() is False
        desc = f"{kwargs.pop('desc', None) or 'Map'} (num_proc={shards})"
        suffix = kwargs.pop("suffix_template", None) or "_{rank:05d}_of_{num_proc:05d}"
        done = []
        with hf_tqdm(unit=" examples", total=len(self), desc=desc) as bar:
            ds_logging.disable_progress_bar()
            try:
                for rank in range(shards):
                    part = self.shard(num_shards=shards, index=rank, contiguous=True,
                                      keep_in_memory=kwargs.get("keep_in_memory", False))
                    fresh = dill.loads(dill.dumps(function)) if function is not None else None
                    names = _shard_names(kwargs, suffix.format(rank=rank, num_proc=shards))
                    done.append(pooled_map(part, fresh, **names))
                    bar.update(len(part))
            finally:
                if not bars_were_off:
                    ds_logging.enable_progress_bar()
        joined = datasets.concatenate_datasets(done)
        if kwargs.get("new_fingerprint"):
            joined._fingerprint = kwargs["new_fingerprint"]
        return joined

    datasets.Dataset.map = _map


def _shard_names(kwargs: dict, suffix: str) -> dict:
    """A shard's own fingerprint and cache file, as ``datasets`` names a worker's: a name given for the
    whole map (``flatten_indices`` gives a fingerprint) would make every shard read the first one's file."""
    import os

    out = dict(kwargs)
    if out.get("new_fingerprint"):
        out["new_fingerprint"] = out["new_fingerprint"] + suffix
    if out.get("cache_file_name"):
        base, ext = os.path.splitext(out["cache_file_name"])
        out["cache_file_name"] = base + suffix + ext
    return out


def skip_epoch_pause_without_workers() -> None:
    """mmengine's endless loader iterator without its 2 s sleep at an epoch's end when the loader has no
    worker processes; with workers the sleep stays, as mmengine wants it. ``time`` in mmengine's loop
    module serves only that sleep, so it is swapped for the one call."""
    import time
    import types

    from mmengine.runner import loops

    pausing_next = loops._InfiniteDataloaderIterator.__next__
    no_pause = types.SimpleNamespace(sleep=lambda seconds: None)

    def _next(self):
        if getattr(self._dataloader, "num_workers", 1) != 0:
            return pausing_next(self)
        loops.time = no_pause
        try:
            return pausing_next(self)
        finally:
            loops.time = time

    loops._InfiniteDataloaderIterator.__next__ = _next


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in TOOLS:
        sys.stderr.write(f"usage: xtuner_launcher.py {{{','.join(TOOLS)}}} ARGS...\n")
        raise SystemExit(2)
    tool, args = argv[0], argv[1:]
    apply_compat_fixes()
    if tool in ("train", "check-custom-dataset"):
        map_small_datasets_in_process()
    if tool == "train":
        skip_epoch_pause_without_workers()
    if tool == "train" and distributed_launcher(args):
        apply_cpu_distributed_fixes()
    module = TOOLS[tool]
    sys.argv = [module.rsplit(".", 1)[-1] + ".py", *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
