"""Training recipes, and "auto": the fastest one that fits the GPU's free memory.

A recipe is a method, a precision, activation checkpointing on or off, a micro-batch, and for
LoRA whether the frozen model stays in half precision (the app's hook, core.xtuner_hooks);
the accumulation is adjusted so the effective batch (micro-batch × accumulation × GPUs)
stays the tutorial's 16. Speeds are relative to the tutorial's recipe, measured with
XTuner on an 80 GB H100 (see benchmarks/RESULTS.md); memory comes from core.estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.estimate import ModelShape, training_memory

TUTORIAL_EFFECTIVE_BATCH = 16
# Use at most 85 % of the free memory: InternLM2 at micro-batch 8 peaked at 70.3 GB on an H200, which
# would be 89 % of an 80 GB H100, where it was not measured (a Llama stand-in ran out there at 77 GB).
FIT_MARGIN = 0.85


@dataclass(frozen=True)
class Recipe:
    key: str
    method: str
    precision: str  # bf16 or fp16
    checkpointing: bool
    micro_batch: int
    speed: str  # tokens/s ÷ the tutorial recipe's on the same machine, as measured (a range over hosts);
    # "*": measured without the frozen-weights hook
    half_frozen: bool = False  # LoRA: frozen weights kept in bf16/fp16, not XTuner's fp32 copy
    speed_internlm2: str = "—"  # the same ratio measured on InternLM2 with its remote code (SDPA)

    def speed_for(self, shape: ModelShape) -> str:
        """The measured speed-up for the model's architecture (InternLM2's own, else the Llama stand-in's)."""
        return self.speed_internlm2 if shape.fused_qkv else self.speed

    def accumulation(self, gpus: int = 1, effective: int = TUTORIAL_EFFECTIVE_BATCH) -> int:
        return max(1, effective // (self.micro_batch * gpus))


# Speed: tokens/s ÷ the tutorial recipe's tokens/s on the same machine, every such pair measured
# (benchmarks/RESULTS.md; the H200-only rows from reference runs by hand, xtuner-facts.md).
# The tutorial's recipe runs at the host CPU's pace, so the ratio differs between hosts of the
# same card: a range where several machines were measured, "(H200)" where only H200s were.
# The LoRA rows keep the frozen model in bf16. Micro-batch 4 was measured with that on an H100
# (27,610 tokens/s, 4.6× the tutorial's on that machine; 4.8× with a first version of the hook;
# 22,119–22,251 tokens/s and 3.5–5.0× on three H100 hosts without it); the other LoRA rows only
# without it (marked "*", which the page explains: they can only have got faster).
# Ordered fastest first.
#
# ``speed_internlm2``: InternLM2 with its remote code at the 1.8B shape on one H200 (12-02,
# benchmarks/RESULTS.md "InternLM2"), SDPA attention as the app writes it, against the tutorial's
# config in the same call: as shipped (eager attention; 4,909 tokens/s) for micro-batch 8 (33,874)
# and 4 (30,666), with SDPA (5,507) for micro-batch 1 (10,480).
RECIPES: list[Recipe] = [
    # 86 GB without the hook (fits 141 GB cards only); with it an 80 GB H100 ran out at 77 GB.
    Recipe("lora_bf16_mb8", "lora", "bf16", False, 8, "5.1× (H200) *", True, "6.9× (H200)"),  # InternLM2 70.3 GB
    Recipe("lora_bf16_mb4", "lora", "bf16", False, 4, "4.6× (H100)", True, "6.2× (H200)"),  # 41.0 GB; InternLM2 37.5
    Recipe("qlora_bf16_mb4", "qlora", "bf16", False, 4, "2.9–4.0×"),     # H100 2.9; H200 3.1, 4.0; 49.1 GB
    Recipe("lora_bf16_mb1", "lora", "bf16", False, 1, "1.7–2.1× (H200) *", True, "1.9× (H200)"),  # InternLM2 12.9
    Recipe("lora_bf16_mb1_ckpt", "lora", "bf16", True, 1, "1.2× (H200) *", True),  # 11.3 GB
    Recipe("tutorial", "qlora", "fp16", True, 1, "1.0×", speed_internlm2="1.0×"),  # 4,409–6,295 tok/s, 6.1 GB
]
TUTORIAL = RECIPES[-1]


@dataclass(frozen=True)
class Choice:
    recipe: Recipe
    memory: float  # estimated peak bytes per GPU
    fits: bool


def evaluate(shape: ModelShape, max_length: int, free_bytes: float | None, *, gpus: int = 1,
             lora_r: int = 64, attention: str = "sdpa") -> list[Choice]:
    """Every recipe with its estimated memory and whether it fits ``free_bytes``.

    ``attention`` is what the config will train with (core.attention): eager needs far more memory.
    """
    out = []
    for r in RECIPES:
        mem = training_memory(shape, method=r.method, max_length=max_length, micro_batch=r.micro_batch,
                              lora_r=lora_r, checkpointing=r.checkpointing, half_frozen=r.half_frozen,
                              attention=attention).total
        fits = free_bytes is not None and mem <= free_bytes * FIT_MARGIN
        out.append(Choice(r, mem, fits))
    return out


def auto(shape: ModelShape, max_length: int, free_bytes: float | None, *, gpus: int = 1,
         bf16: bool = True, lora_r: int = 64, attention: str = "sdpa") -> Choice | None:
    """The fastest recipe that fits (bf16 recipes only on cards that support bf16)."""
    for choice in evaluate(shape, max_length, free_bytes, gpus=gpus, lora_r=lora_r, attention=attention):
        if not bf16 and choice.recipe.precision == "bf16":
            continue
        if choice.fits:
            return choice
    return None


def accumulation_on(gpus: int, micro_batch: int, accumulation: int) -> int | None:
    """Gradient accumulation that keeps a one-GPU config's effective batch on ``gpus`` GPUs.

    Every GPU takes its own micro-batch, so ``micro_batch × accumulation × gpus`` sequences make
    one optimizer step. None when the one-GPU accumulation does not divide by ``gpus`` (the
    effective batch cannot stay exactly the same).
    """
    gpus, accumulation = int(gpus), int(accumulation)
    if gpus < 1 or accumulation < 1 or int(micro_batch) < 1 or accumulation % gpus:
        return None
    return accumulation // gpus
