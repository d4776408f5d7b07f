"""core.xtuner_hooks on a tiny Llama with real peft LoRA, prepared as XTuner prepares it.

A GPU is not needed: mixed precision is CPU autocast in bf16 here, which takes the same paths
(frozen weights cast, LoRA inputs left in half precision under autocast, cast outside it).
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import LlamaConfig, LlamaForCausalLM

from core import xtuner_hooks


def lora_model():
    """A LoRA model the way XTuner makes one: 16-bit base, then peft's k-bit preparation (fp32)."""
    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                      intermediate_size=128, vocab_size=100)
    model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    return get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.1, target_modules=targets,
                                            task_type="CAUSAL_LM"))


def dtypes(model, trainable: bool) -> set:
    return {p.dtype for p in model.parameters() if p.requires_grad == trainable}


def test_xtuner_style_preparation_makes_the_frozen_model_fp32():
    """The problem the hook exists for: without it every frozen weight is fp32."""
    assert dtypes(lora_model(), trainable=False) == {torch.float32}


def test_frozen_weights_cast_adapters_kept_fp32():
    model = lora_model()
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    assert xtuner_hooks.cast_frozen_weights(model, torch.bfloat16) == frozen
    assert dtypes(model, trainable=False) == {torch.bfloat16}
    assert dtypes(model, trainable=True) == {torch.float32}
    assert xtuner_hooks.cast_frozen_weights(model, torch.bfloat16) == 0  # nothing left to cast


def test_trains_under_autocast_and_answers_outside_it():
    """Training steps run under autocast with the LoRA inputs left in bf16; sample answers
    (generate, no autocast) still work because the layers cast again there."""
    model = lora_model()
    xtuner_hooks.cast_frozen_weights(model, torch.bfloat16)
    assert xtuner_hooks.keep_adapter_inputs(model) == 2 * 7
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    ids = torch.randint(0, 100, (2, 16))
    model.train()
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(input_ids=ids, labels=ids).loss
        assert layer.cast_input_dtype_enabled is False
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    changed = [n for n, p in model.named_parameters() if p.requires_grad and not torch.equal(p, before[n])]
    assert changed and all("lora_" in n for n in changed)
    model.eval()
    with torch.no_grad():
        out = model.generate(input_ids=ids[:1, :4], attention_mask=torch.ones(1, 4, dtype=torch.long),
                             max_new_tokens=3, do_sample=False, pad_token_id=0)
    assert out.shape == (1, 7)
    assert layer.cast_input_dtype_enabled is True


def test_same_loss_as_the_fp32_frozen_model_to_bf16_rounding():
    """The hook changes where numbers are rounded, not what is computed."""
    ids = torch.randint(0, 100, (2, 16), generator=torch.Generator().manual_seed(1))
    losses = []
    for hooked in (False, True):
        model = lora_model()
        model.eval()  # no dropout: the two forwards must see the same function
        if hooked:
            xtuner_hooks.cast_frozen_weights(model, torch.bfloat16)
            xtuner_hooks.keep_adapter_inputs(model)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            losses.append(model(input_ids=ids, labels=ids).loss.item())
    assert losses[0] == pytest.approx(losses[1], abs=0.02)


class AmpOptimWrapper:  # the name is what the hook checks; mmengine's needs a GPU to build
    def __init__(self, cast_dtype):
        self.cast_dtype = cast_dtype


def test_amp_dtype_from_the_optimizer_wrapper():
    assert xtuner_hooks.amp_dtype(AmpOptimWrapper(torch.bfloat16)) == torch.bfloat16
    assert xtuner_hooks.amp_dtype(AmpOptimWrapper(None)) == torch.float16  # mmengine's default
    assert xtuner_hooks.amp_dtype(SimpleNamespace(cast_dtype=torch.bfloat16)) is None  # OptimWrapper, DeepSpeed


def test_hook_casts_only_under_mixed_precision():
    log = logging.getLogger("test_xtuner_hooks")
    hook = xtuner_hooks.HalfPrecisionFrozenWeights()
    model = lora_model()
    hook.before_run(SimpleNamespace(optim_wrapper=SimpleNamespace(), model=model, logger=log))
    assert dtypes(model, trainable=False) == {torch.float32}  # CPU training: left alone
    hook.before_run(SimpleNamespace(optim_wrapper=AmpOptimWrapper(torch.bfloat16), model=model, logger=log))
    assert dtypes(model, trainable=False) == {torch.bfloat16}
    assert dtypes(model, trainable=True) == {torch.float32}


class Params4bit(torch.nn.Parameter):  # bitsandbytes' 4-bit weight class, by name (no GPU here)
    pass


def test_hook_leaves_a_quantized_model_alone():
    """QLoRA keeps its few unquantized weights (norms, embeddings) in fp32 on purpose."""
    log = logging.getLogger("test_xtuner_hooks")
    model = lora_model()
    layer = model.base_model.model.model.layers[0].mlp.down_proj.base_layer
    layer.weight = Params4bit(layer.weight.data.to(torch.bfloat16), requires_grad=False)
    xtuner_hooks.HalfPrecisionFrozenWeights().before_run(
        SimpleNamespace(optim_wrapper=AmpOptimWrapper(torch.bfloat16), model=model, logger=log))
    others = {p.dtype for p in model.parameters() if not p.requires_grad and type(p).__name__ != "Params4bit"}
    assert others == {torch.float32}
