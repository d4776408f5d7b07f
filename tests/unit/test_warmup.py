"""Warmup that works: ratio 0 removes the warmup; a ratio that makes fewer than two warmup
iterations is refused (none: XTuner cannot start; exactly one: the learning rate never leaves
``start_factor * lr``, so the run cannot learn).

The scheduler checks build the rendered config's ``param_scheduler`` entries the way mmengine's
runner does (``build_iter_from_epoch`` with the epoch's iteration count), in a subprocess, and
step them as its ParamSchedulerHook does, reading the learning rate of every iteration.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable

import pytest

from core import config, config_form

PRESET = "internlm2_chat_1_8b_qlora_alpaca_e3"

def test_ratio_zero_drops_only_the_warmup_entry_and_the_schedulers_build(schedules):
    source = config.preset_source(PRESET)
    rendered = config.render(source, {"warmup_ratio": 0, "max_epochs": 1})
    assert "LinearLR," in source and "type=LinearLR" not in rendered
    assert "type=CosineAnnealingLR" in rendered
    assert "warmup_ratio = 0\n" in rendered
    # Against the same render with the preset's warmup: only that line and the removed entry differ.
    kept = config.render(source, {"warmup_ratio": 0.03, "max_epochs": 1})
    removed = kept.split("param_scheduler = [", 1)[1].split("    dict(\n        type=CosineAnnealingLR", 1)[0]
    assert removed.strip().startswith("dict(\n        type=LinearLR") and removed.strip().endswith("),")
    assert rendered.replace("warmup_ratio = 0\n", "warmup_ratio = 0.03\n") == kept.replace(removed, "\n", 1)
    assert schedules[("zero", 32)]["built"] == [["CosineAnnealingLR", 0, 32]]


def test_ratio_zero_with_the_warmup_kept_is_what_xtuner_refuses(schedules):
    """The failure the removal prevents (so the test above can fail)."""
    assert "end should be larger than begin" in schedules[("zero_kept", 32)]


def test_a_positive_ratio_keeps_the_warmup(schedules):
    rendered = config.render(config.preset_source(PRESET), {"warmup_ratio": 0.1, "max_epochs": 1})
    assert "type=LinearLR" in rendered
    assert schedules[((0.1, 1), 32)]["built"] == [["LinearLR", 0, 3], ["CosineAnnealingLR", 3, 32]]


@pytest.mark.parametrize("ratio, epochs, iters, expected", [
    (0.03, 1, 32, {"steps": "0.96", "total": 32, "least": "0.07"}),  # the demo dataset, one epoch
    (0.03, 2, 32, {"steps": "1.92", "total": 64, "least": "0.04"}),  # one iteration: the lr never rises
    (0.03, 3, 32, None),                                              # 2.88 iterations: fine
    (0.0, 1, 32, None),                                               # no warmup at all: fine
    (0.01, 1, 99, {"steps": "0.99", "total": 99, "least": "0.03"}),   # ceil(200/99)/100 = 0.03
    (0.5, 1, 1, {"steps": "0.50", "total": 1, "least": None}),        # one iteration: only 0 works
    (0.99, 1, 2, {"steps": "1.98", "total": 2, "least": None}),       # two in all: only 0 works
    (0.0333, 1, 30, {"steps": "0.99", "total": 30, "least": "0.07"}),  # 0.999 shown as 0.99, not "1.00"
    (0.03, 1, None, None),                                            # dataset not counted: no claim
])
def test_short_warmup(ratio, epochs, iters, expected):
    got = config_form.short_warmup(ratio, epochs, iters)
    if expected is None:
        assert got is None
    else:
        assert {k: got[k] for k in expected} == expected
        if got["least"] is not None:  # the suggestion works, and 0.01 less would not
            least = float(got["least"])
            assert least <= 0.99 and int(least * epochs * iters) >= 2
            assert int(round(least - 0.01, 2) * epochs * iters) < 2


def test_only_presets_that_warm_up_over_epochs_get_the_check():
    assert config.has_epoch_warmup(config.preset_source(PRESET))
    # No warmup entry at all, and a warmup under another variable name.
    assert not config.has_epoch_warmup(config.preset_source("deepseek_v2_lite_chat_full_alpaca_e3"))
    assert not config.has_epoch_warmup(config.preset_source("internlm2_7b_full_finetune_custom_dataset_e1"))


def test_one_warmup_iteration_is_refused_with_its_own_reason():
    problems = config_form.validate({"warmup_ratio": 0.03, "max_epochs": 2}, dataset_path=None,
                                    iterations_per_epoch=32)
    assert [(f, key, vals["least"]) for f, key, vals in problems] == [
        ("warmup_ratio", "config.err.warmup_one", "0.04")]


def test_one_iteration_in_all_leaves_only_zero():
    problems = config_form.validate({"warmup_ratio": 0.5, "max_epochs": 1}, dataset_path=None,
                                    iterations_per_epoch=1)
    assert [(f, key) for f, key, _ in problems] == [("warmup_ratio", "config.err.warmup_only_zero")]


def test_validate_names_the_warmup_field_only_when_iterations_are_known():
    values = {"warmup_ratio": 0.03, "max_epochs": 1}
    assert config_form.validate(values, dataset_path=None) == []
    problems = config_form.validate(values, dataset_path=None, iterations_per_epoch=32)
    assert [(f, key) for f, key, _ in problems] == [("warmup_ratio", "config.err.warmup_short")]
    assert config_form.validate({**values, "warmup_ratio": 0.0}, dataset_path=None, iterations_per_epoch=32) == []
    # An out-of-range ratio is reported once, as out of range.
    problems = config_form.validate({**values, "warmup_ratio": -1.0}, dataset_path=None, iterations_per_epoch=32)
    assert [(f, key) for f, key, _ in problems] == [("warmup_ratio", "config.err.range")]



# ------------------------------------------------------------------ the learning rate, as mmengine runs it
_RUN = r"""
import json, sys, torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS
out = []
for path, epoch_lengths in json.loads(sys.argv[1]):
    cfg = Config.fromfile(path)
    runs = {}
    for epoch_length in epoch_lengths:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=cfg.lr)
        try:  # what mmengine's runner does (Runner.build_param_scheduler) ...
            scheds = [PARAM_SCHEDULERS.build(dict(entry), default_args=dict(optimizer=opt, epoch_length=epoch_length))
                      for entry in cfg.param_scheduler]
        except ValueError as exc:
            runs[epoch_length] = str(exc)
            continue
        lrs = []
        for _ in range(cfg.max_epochs * epoch_length):  # ... and its ParamSchedulerHook, every iteration
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            for s in scheds:
                s.step()
        runs[epoch_length] = {"built": [[type(s).__name__, s.begin, s.end] for s in scheds], "lrs": lrs, "lr": cfg.lr}
    out.append(runs)
print("@@" + json.dumps(out))
"""

# (warmup_ratio, max_epochs, iterations per epoch) that make exactly one warmup iteration
ONE_ITERATION = [(0.03, 2, 32), (0.03, 1, 50), (0.5, 1, 3)]
# (warmup_ratio, max_epochs) tried with every epoch length of LENGTHS
GRID = [(0.03, 1), (0.03, 2), (0.05, 1), (0.1, 3)]
LENGTHS = list(range(1, 71))


def _suggested(ratio: float, epochs: int, iters: int) -> float:
    short = config_form.short_warmup(ratio, epochs, iters)
    assert short is not None and short["least"] is not None, short
    return float(short["least"])


@pytest.fixture(scope="module")
def schedules(tmp_path_factory) -> dict:
    """{(config, epoch length): {"built": [[scheduler, begin, end], ...], "lrs": lr of every iteration,
    "lr": the config's lr}, or mmengine's refusal as text}. A config is a (ratio, epochs) rendered
    like the config page does, or a name below. One subprocess loads them all (loading XTuner's
    configs is the slow part)."""
    preset = config.preset_source(PRESET)
    sources = {"zero": (config.render(preset, {"warmup_ratio": 0, "max_epochs": 1}), {32}),
               "zero_kept": (preset.replace("warmup_ratio = 0.03\n", "warmup_ratio = 0\n"), {32})}

    def add(ratio: float, epochs: int, lengths: Iterable[int]) -> None:
        if (ratio, epochs) not in sources:
            sources[(ratio, epochs)] = (config.render(preset, {"warmup_ratio": ratio, "max_epochs": epochs}), set())
        sources[(ratio, epochs)][1].update(lengths)

    add(0.1, 1, [32])
    for ratio, epochs, iters in ONE_ITERATION:
        add(ratio, epochs, [iters])
        add(_suggested(ratio, epochs, iters), epochs, [iters])
    for ratio, epochs in GRID:
        add(ratio, epochs, LENGTHS)
    folder = tmp_path_factory.mktemp("schedules")
    spec = []
    for i, (text, lengths) in enumerate(sources.values()):
        path = folder / f"cfg_{i}.py"
        path.write_text(text, encoding="utf-8")
        spec.append([str(path), sorted(lengths)])
    proc = subprocess.run([sys.executable, "-c", _RUN, json.dumps(spec)],
                          capture_output=True, text=True, timeout=600, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("@@")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    return {(key, int(length)): got for key, runs in zip(sources, json.loads(line[2:]), strict=True)
            for length, got in runs.items()}


@pytest.mark.parametrize("ratio, epochs, iters", ONE_ITERATION)
def test_one_warmup_iteration_keeps_the_lr_at_the_start_factor_and_the_suggestion_reaches_lr(
        schedules, ratio, epochs, iters):
    assert config_form.warmup_iterations(ratio, epochs, iters) == 1
    # As the preset would run it: the lr never comes near the configured lr.
    run = schedules[((ratio, epochs), iters)]
    lr, lrs = run["lr"], run["lrs"]
    assert max(lrs) < 1e-4 * lr, lrs[:5]
    # The form refuses it and names a ratio that works ...
    least = _suggested(ratio, epochs, iters)
    n = config_form.warmup_iterations(least, epochs, iters)
    assert n == 2
    # ... and with that ratio mmengine's schedulers bring the lr to the configured lr right after the warmup.
    run = schedules[((least, epochs), iters)]
    lr, lrs = run["lr"], run["lrs"]
    assert lrs[0] == pytest.approx(1e-5 * lr)
    assert lrs[n] == pytest.approx(lr)
    assert max(lrs) == pytest.approx(lr)
    assert all(b <= a + 1e-12 for a, b in zip(lrs[n:], lrs[n + 1:], strict=False))  # then cosine down


@pytest.mark.parametrize("ratio, epochs", GRID)
def test_the_form_refuses_exactly_the_warmups_that_fail_in_mmengine(schedules, ratio, epochs):
    for length in LENGTHS:
        got = schedules[((ratio, epochs), length)]  # text: mmengine refused to build the schedulers
        works = isinstance(got, dict) and max(got["lrs"]) == pytest.approx(got["lr"])
        refused = config_form.short_warmup(ratio, epochs, length) is not None
        assert refused == (not works), (ratio, epochs, length, got if isinstance(got, str) else got["lrs"][:4])
