"""Run one XTuner tool inside this Python, after applying compatibility fixes.

Started as a script (``python core/xtuner_launcher.py TOOL ARGS...``, or by torchrun for
several GPUs), so it imports nothing from the app. The exit code is the tool's own, unlike
the ``xtuner`` console script, which always exits 0.

Fixes applied before the tool runs:
- ``torch.cpu.is_bf16_supported`` is missing in current torch, and XTuner's
  ``SupervisedFinetune`` calls it when no GPU is present; it is added (answering False).
"""

from __future__ import annotations

import runpy
import sys

TOOLS = {
    "train": "xtuner.tools.train",
    "pth_to_hf": "xtuner.tools.model_converters.pth_to_hf",
    "merge": "xtuner.tools.model_converters.merge",
    "chat": "xtuner.tools.chat",
    "list-cfg": "xtuner.tools.list_cfg",
    "copy-cfg": "xtuner.tools.copy_cfg",
    "check-custom-dataset": "xtuner.tools.check_custom_dataset",
}


def apply_compat_fixes() -> None:
    import torch

    if not hasattr(torch.cpu, "is_bf16_supported"):
        torch.cpu.is_bf16_supported = lambda *args, **kwargs: False


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in TOOLS:
        sys.stderr.write(f"usage: xtuner_launcher.py {{{','.join(TOOLS)}}} ARGS...\n")
        raise SystemExit(2)
    tool, args = argv[0], argv[1:]
    apply_compat_fixes()
    module = TOOLS[tool]
    sys.argv = [module.rsplit(".", 1)[-1] + ".py", *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
