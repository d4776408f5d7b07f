"""core.config_form.FormValues: every rule of the config form in one place (checks and the text saved)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core import config as cfg
from core import config_form
from core.config_form import FormValues

PRESET = cfg.DEFAULT_PRESET


@pytest.fixture()
def form(demo_model, tmp_path) -> FormValues:
    data = tmp_path / "data.json"
    data.write_text('[{"conversation": [{"input": "q", "output": "a"}]}]', encoding="utf-8")
    return FormValues(
        preset=PRESET, model=str(demo_model), dataset=str(data), template="internlm2_chat", max_length=512,
        pack=True, batch_size=1, accumulative_counts=2, max_epochs=3, lr=2e-4, weight_decay=0.0, max_norm=1.0,
        warmup_ratio=0.03, save_steps=100, save_total_limit=2, evaluation_freq=100, system="",
        questions=("你是谁", "  ", "请介绍一下你自己"), method="lora", cpu=True, precision="bf16",
        checkpointing=True, half_frozen=True, attention="sdpa", workers=cfg.XTUNER_WORKERS, lora_r=8,
        lora_alpha=16, lora_dropout=0.1, sample_tokens=64)


def test_a_sound_form_has_no_problem_and_renders_what_it_holds(form):
    assert form.validate() == []
    text = form.render()
    saved = cfg.read_settings(text)
    for name in ("max_length", "accumulative_counts", "max_epochs", "lr", "save_steps", "evaluation_freq"):
        assert saved[name] == form.settings()[name], name
    assert saved["evaluation_inputs"] == ["你是谁", "请介绍一下你自己"]  # blank questions dropped
    assert cfg.method_of(text) == "lora"
    assert config_form.lora_settings(text)["r"] == 8
    assert cfg.workers_of(text) is None  # XTuner's own number is not written out
    assert cfg.workers_of(dataclasses.replace(form, workers=1).render()) == 1


@pytest.mark.parametrize(("change", "field", "key"), [
    ({"sample_tokens": 4}, "sample_max_new_tokens", "config.err.range"),
    ({"sample_tokens": 4096}, "sample_max_new_tokens", "config.err.range"),
    ({"method": "qlora"}, "method", "config.err.qlora_cpu"),
    ({"attention": "flash_attention_2"}, "attention", "config.err.flash_cpu"),
    ({"workers": 0}, "workers", "config.err.range"),
    ({"max_epochs": 0}, "max_epochs", "config.err.range"),
    ({"lora_r": 0}, "r", "config.err.range"),
    ({"dataset": ""}, "dataset", "config.err.no_dataset"),
    ({"questions": ("  ",)}, "evaluation_inputs", "config.err.no_questions"),
])
def test_each_rule_names_its_field(form, change, field, key):
    problems = dataclasses.replace(form, **change).validate()
    assert (field, key) in [(f, k) for f, k, _ in problems], problems


def test_gpu_only_rules_do_not_block_a_gpu_config(form):
    gpu = dataclasses.replace(form, cpu=False, method="qlora", attention="flash_attention_2")
    assert gpu.validate() == []


def test_warmup_of_one_iteration_is_refused_only_when_the_dataset_was_counted(form):
    short = dataclasses.replace(form, warmup_ratio=0.03, max_epochs=2)
    assert short.validate() == []  # not counted: nothing known
    problems = short.validate(iterations_per_epoch=32)  # 0.03 × 2 × 32 = 1.92 → one iteration
    assert [k for f, k, _ in problems if f == "warmup_ratio"] == ["config.err.warmup_one"], problems


def test_sizes_sane_guards_the_estimates(form):
    assert form.sizes_sane()
    assert not dataclasses.replace(form, batch_size=0).sizes_sane()
    assert dataclasses.replace(form, method="full", lora_r=0).sizes_sane()  # r does not matter without LoRA


def test_qlora_needs_a_gpu():
    assert config_form.cpu_blocks("qlora") and not config_form.cpu_blocks("lora")
    assert not config_form.cpu_blocks("full")


def test_render_keeps_the_dataset_path(form):
    assert str(Path(form.dataset)) in form.render()
