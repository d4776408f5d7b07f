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
"""

from __future__ import annotations

import runpy
import sys

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


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in TOOLS:
        sys.stderr.write(f"usage: xtuner_launcher.py {{{','.join(TOOLS)}}} ARGS...\n")
        raise SystemExit(2)
    tool, args = argv[0], argv[1:]
    apply_compat_fixes()
    if tool == "train" and distributed_launcher(args):
        apply_cpu_distributed_fixes()
    module = TOOLS[tool]
    sys.argv = [module.rsplit(".", 1)[-1] + ".py", *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
