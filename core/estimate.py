"""Will it fit? GPU memory estimates for a training setup.

Memory is a calibrated estimate, not a promise: weights by method, LoRA parameters with
their AdamW state, activations per sequence (with or without activation checkpointing)
and fp32 logits. The constants were fitted to peaks measured with XTuner on a model of
internlm2-chat-1_8b's shape on an H200 (QLoRA fp16 with checkpointing, micro-batch 1:
6.2 GB; LoRA bf16 without checkpointing, micro-batch 1/4/8: 20.6/48.9/86.1 GB); they
reproduce those within about 7 %. Those LoRA runs had XTuner's fp32 copy of the frozen model;
with the app's hook that keeps it in bf16 (``half_frozen``) the H100 peak at micro-batch 4 was
41.0 GB instead of 47.7 GB: the fp32 weights (2 bytes per parameter more) and about 8 bytes
per token, layer and hidden unit of fp32 values between the layers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

GB = 1024**3
CONTEXT_BYTES = 0.5 * GB  # CUDA context and workspace
ACT_CKPT_BYTES = 4  # per token, layer and hidden unit, kept between checkpointed layers
ACT_FULL_BYTES = 71  # per token, layer and hidden unit, without checkpointing
ACT_PEAK_BYTES = 60  # backward peak without checkpointing (does not grow with micro-batch)
LOGITS_COPIES = 3  # fp32 logits, their softmax and gradient
CALIBRATION = 1.07  # allocator overhead seen in the measured peaks
ACT_FP32_EXTRA_BYTES = 8  # per token, layer and hidden unit, when XTuner keeps a LoRA model in fp32
# LoRA's dropout keeps a copy of each adapted layer's input (2 bytes and a 1-byte mask per value):
# separate q, k, v projections (Llama, measured) keep three copies of the hidden state, a fused
# wqkv (InternLM2) one, so 2 × 3 bytes per token, layer and hidden unit less.
FUSED_QKV_SAVING_BYTES = 6
# Eager attention keeps, per layer, head and sequence, an L × L score matrix for the backward pass
# (bf16 scores and their softmax); SDPA and flash attention keep none. Fitted to InternLM2 at the
# 1.8B shape on an H200, micro-batch 4, 2048 tokens: 72.7 GB eager vs 37.5 GB SDPA.
EAGER_BYTES = 5.5


@dataclass(frozen=True)
class ModelShape:
    hidden: int
    layers: int
    intermediate: int
    vocab: int
    heads: int
    kv_heads: int
    tied: bool = False
    fused_qkv: bool = False  # one wqkv projection (InternLM2) instead of q, k, v

    @property
    def params(self) -> int:
        h, kv = self.hidden, self.hidden * self.kv_heads // max(1, self.heads)
        attn = h * h * 2 + h * kv * 2
        mlp = 3 * h * self.intermediate
        embed = self.vocab * h * (1 if self.tied else 2)
        return self.layers * (attn + mlp) + embed

    @property
    def embed_params(self) -> int:
        return self.vocab * self.hidden * (1 if self.tied else 2)


def read_shape(model_dir: Path) -> ModelShape | None:
    """The shape from a model folder's config.json, or None when it cannot be read."""
    try:
        c = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
        heads = int(c.get("num_attention_heads") or c["n_head"])
        return ModelShape(
            hidden=int(c["hidden_size"]), layers=int(c["num_hidden_layers"]),
            intermediate=int(c.get("intermediate_size") or 4 * int(c["hidden_size"])),
            vocab=int(c["vocab_size"]), heads=heads, kv_heads=int(c.get("num_key_value_heads") or heads),
            tied=bool(c.get("tie_word_embeddings", False)), fused_qkv=c.get("model_type") == "internlm2",
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


INTERNLM2_1_8B = ModelShape(hidden=2048, layers=24, intermediate=8192, vocab=92544, heads=16, kv_heads=8,
                            fused_qkv=True)
LLAMA_1_8B = ModelShape(hidden=2048, layers=24, intermediate=8192, vocab=92544, heads=16, kv_heads=8)  # the stand-in


@dataclass(frozen=True)
class MemoryEstimate:
    weights: float
    trainable: float
    activations: float
    total: float


def lora_params(shape: ModelShape, r: int) -> int:
    h, inter = shape.hidden, shape.intermediate
    kv = h * shape.kv_heads // max(1, shape.heads)
    per_layer = r * ((h + h) * 2 + (h + kv) * 2 + (h + inter) * 3)
    return shape.layers * per_layer


def training_memory(
    shape: ModelShape,
    *,
    method: str,
    max_length: int,
    micro_batch: int,
    lora_r: int = 64,
    checkpointing: bool = True,
    gpus: int = 1,
    zero_stage: int = 0,
    half_frozen: bool = False,
    attention: str = "sdpa",
) -> MemoryEstimate:
    """Estimated peak GPU memory (bytes) per GPU for one training setup.

    ``half_frozen``: LoRA with the frozen model kept in bf16/fp16 (core.xtuner_hooks) rather than
    the fp32 copy XTuner makes of it. ``attention``: "eager" keeps L × L scores per layer
    (:mod:`core.attention`); "sdpa" and "flash_attention_2" do not.
    """
    body = shape.params - shape.embed_params
    if method == "qlora":
        weights = body * 0.55 + shape.embed_params * 2
    else:
        weights = shape.params * 2
    if method == "full":
        trainable_params = shape.params
        trainable = trainable_params * (2 + 4 + 8)  # grads, fp32 master, AdamW moments
        if zero_stage >= 1 and gpus > 1:
            trainable /= gpus
    else:
        trainable = lora_params(shape, lora_r) * 16
    tokens = max_length * micro_batch
    logits = tokens * shape.vocab * 4 * LOGITS_COPIES
    if checkpointing:
        act = tokens * shape.layers * shape.hidden * ACT_CKPT_BYTES + tokens * shape.hidden * ACT_FULL_BYTES
    else:
        act = (tokens * shape.layers * shape.hidden * ACT_FULL_BYTES
               + max_length * shape.layers * shape.hidden * ACT_PEAK_BYTES)
    if method == "lora":
        peak = max_length * shape.layers * shape.hidden * ACT_PEAK_BYTES
        if not checkpointing and not half_frozen:
            # ACT_PEAK was fitted to LoRA runs with an fp32 frozen model and holds its extra 2 bytes
            # per weight, shown as weights below; never more than that term (other shapes).
            act -= min(shape.params * 2, peak)
        if not half_frozen:
            weights = shape.params * 4  # XTuner's fp32 copy of the frozen model
        elif not checkpointing:
            # Frozen weights in bf16: no fp32 values between layers, and no backward peak beyond
            # what grows with the micro-batch (InternLM2 1.8B on an H200, SDPA: 12.9 / 37.5 / 70.3 GB
            # at micro-batch 1 / 4 / 8, a straight line through 4.7 GB).
            act -= tokens * shape.layers * shape.hidden * ACT_FP32_EXTRA_BYTES + peak
    if method != "full" and not checkpointing and shape.fused_qkv:
        act -= tokens * shape.layers * shape.hidden * FUSED_QKV_SAVING_BYTES
    if attention == "eager":  # checkpointing recomputes one layer at a time: one layer's scores
        act += micro_batch * shape.heads * max_length ** 2 * EAGER_BYTES * (1 if checkpointing else shape.layers)
    activations = act + logits
    total = (CONTEXT_BYTES + weights + trainable + activations) * CALIBRATION
    return MemoryEstimate(weights, trainable, activations, total)
