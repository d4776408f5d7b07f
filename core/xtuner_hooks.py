"""Training hooks the app can add to a config; they run inside XTuner's own processes.

Imported by XTuner (through the config's ``from core.xtuner_hooks import ...`` line), so it
imports nothing else from the app. XTuner's processes find it because the app puts its folder
first on ``PYTHONPATH`` for every XTuner process it starts (:mod:`core.xtuner_cli`); to run such
a config with ``xtuner train`` by hand, do the same (the Train page's command shows it).
"""

from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


def amp_dtype(optim_wrapper: object) -> torch.dtype | None:
    """The half precision a mixed-precision optimizer wrapper computes in, or None without one.

    mmengine's ``AmpOptimWrapper`` keeps ``cast_dtype`` (None means float16); DeepSpeed's and
    the plain wrapper have no such attribute.
    """
    if type(optim_wrapper).__name__ != "AmpOptimWrapper":
        return None
    return getattr(optim_wrapper, "cast_dtype", None) or torch.float16


def cast_frozen_weights(model: torch.nn.Module, dtype: torch.dtype) -> int:
    """Cast the model's frozen fp32 weights to ``dtype``; returns how many numbers were cast.

    Trainable weights (the LoRA adapters) stay fp32 for the optimizer; 4-bit weights are
    left alone.
    """
    count = 0
    for param in model.parameters():
        if param.requires_grad or param.dtype != torch.float32 or type(param).__name__ == "Params4bit":
            continue
        param.data = param.data.to(dtype)
        count += param.numel()
    return count


def _cast_only_without_autocast(module: torch.nn.Module, args: tuple) -> None:
    if args and isinstance(args[0], torch.Tensor):
        module.cast_input_dtype_enabled = not torch.is_autocast_enabled(args[0].device.type)


def keep_adapter_inputs(model: torch.nn.Module) -> int:
    """Under autocast, stop peft's LoRA layers from copying their inputs to fp32; returns how many.

    peft casts each LoRA layer's input to the adapters' dtype (fp32 here) before the dropout;
    under autocast the adapters' matmuls run in half precision anyway, so that copy is traffic
    for nothing. Outside autocast (the sample answers XTuner generates between training steps)
    the cast is needed, so each layer decides on every call (``cast_input_dtype_enabled`` is
    the switch peft's own ``disable_input_dtype_casting`` helper sets).
    """
    count = 0
    for module in model.modules():
        if hasattr(module, "cast_input_dtype_enabled") and hasattr(module, "lora_A"):
            module.register_forward_pre_hook(_cast_only_without_autocast)
            count += 1
    return count


class HalfPrecisionFrozenWeights(Hook):
    """Keep a LoRA model's frozen weights in the run's half precision (bf16 or fp16).

    XTuner prepares every LoRA model with peft's ``prepare_model_for_kbit_training``, which
    casts all 16-bit weights to fp32: meant for 4-bit models, whose few unquantized weights
    it keeps in fp32. On a model that is not quantized it turns the whole frozen base model
    into fp32, so under mixed precision every layer re-casts its weights on each pass and
    the values between layers are fp32. This hook casts the frozen weights back once, before
    training starts, and lets the LoRA layers take their half-precision inputs as they are
    (:func:`keep_adapter_inputs`); the adapters' own weights stay fp32 for the optimizer.
    It does nothing without mixed precision (on a CPU) and under DeepSpeed, which casts the
    model itself.
    """

    priority = "VERY_HIGH"

    def before_run(self, runner) -> None:
        dtype = amp_dtype(runner.optim_wrapper)
        if dtype is None:
            runner.logger.info("HalfPrecisionFrozenWeights: no mixed precision of mmengine's (a CPU run, or "
                               "DeepSpeed, which casts the model itself); weights left as they are")
            return
        model = runner.model
        if is_model_wrapper(model):  # DistributedDataParallel on several GPUs
            model = model.module
        if any(type(p).__name__ in ("Params4bit", "Int8Params") for p in model.parameters()):
            runner.logger.warning("HalfPrecisionFrozenWeights: a quantized (QLoRA) model keeps its "
                                  "unquantized weights in fp32 on purpose; weights left as they are")
            return
        count = cast_frozen_weights(model, dtype)
        layers = keep_adapter_inputs(model)
        if not layers:
            runner.logger.warning("HalfPrecisionFrozenWeights: no LoRA layer has peft's input-cast switch "
                                  "(peft 0.15 or later has it); LoRA inputs are still copied to fp32")
        runner.logger.info(f"HalfPrecisionFrozenWeights: {count:,} frozen weights cast to {dtype}; "
                           f"{layers} LoRA layers take {dtype} inputs as they are under autocast")
