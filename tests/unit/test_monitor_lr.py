"""core.monitor.low_lr: the training monitor notices a learning rate that never reaches the config's.

The run folders are made here: the config the run trained with (a preset rendered like the
config page does) and a ``scalars.json`` like mmengine's, with the lr of each logged iteration.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from core import config, monitor
from core.runs import RunPaths

PRESET = "internlm2_chat_1_8b_qlora_alpaca_e3"
LR = 2e-4


def _run(tmp_path: Path, lrs: dict[int, float], *, ratio: float = 0.03, epochs: int = 2) -> Path:
    run = RunPaths(tmp_path / "run")
    (run.work_dir / "20250101_000000" / "vis_data").mkdir(parents=True)
    run.config.write_text(config.render(config.preset_source(PRESET),
                                        {"lr": LR, "warmup_ratio": ratio, "max_epochs": epochs}), encoding="utf-8")
    rows = [{"lr": lr, "loss": 7.5, "iter": it, "step": it} for it, lr in sorted(lrs.items())]
    (run.work_dir / "20250101_000000" / "vis_data" / "scalars.json").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return run.root


def _cosine(it: int, warmup: int, total: int) -> float:
    return LR * (1 + math.cos(math.pi * (it - warmup) / (total - warmup))) / 2


TOTAL = 64  # 2 epochs of 32 iterations; 0.03 x 2 x 32 = 1.92: a warmup of one iteration


def _rows(run_dir: Path) -> list[dict]:
    from core import logs

    return logs.read_scalars(RunPaths(run_dir).work_dir)


def test_a_learning_rate_stuck_at_the_warmup_start_is_reported(tmp_path):
    # What mmengine logs for that run: 1e-5 x the cosine, every 10th iteration.
    stuck = {it: 1e-5 * _cosine(it, 1, TOTAL) for it in range(10, TOTAL + 1, 10)}
    run = _run(tmp_path, stuck)
    low = monitor.low_lr(run, _rows(run), TOTAL)
    assert low is not None
    assert low.configured == LR and low.warmup == 1
    assert low.iteration == 10 and low.logged == pytest.approx(stuck[10])


def test_a_working_schedule_is_not_reported(tmp_path):
    good = {it: _cosine(it, 2, TOTAL) for it in range(10, TOTAL + 1, 10)}  # warmup 0.04: two iterations
    run = _run(tmp_path, good, ratio=0.04)
    assert monitor.low_lr(run, _rows(run), TOTAL) is None


def test_no_claim_before_the_warmup_ends_or_at_the_cosines_very_end(tmp_path):
    # A long warmup (0.5 x 64 = 32 iterations): rows inside it are low by design.
    warming = {it: LR * it / 32 * 1e-3 for it in (10, 20, 30)}
    run = _run(tmp_path, warming, ratio=0.5, epochs=2)
    assert monitor.low_lr(run, _rows(run), TOTAL) is None
    # The last row of a cosine is near 0 by design.
    run = _run(tmp_path / "end", {TOTAL: 1e-12})
    assert monitor.low_lr(run, _rows(run), TOTAL) is None


def test_one_good_row_after_the_warmup_is_enough(tmp_path):
    """A resumed run may log a low stretch; once the lr reached the schedule there is nothing to say."""
    rows = {it: 1e-5 * _cosine(it, 2, TOTAL) for it in (10, 20)} | {30: _cosine(30, 2, TOTAL)}
    run = _run(tmp_path, rows, ratio=0.04)
    assert monitor.low_lr(run, _rows(run), TOTAL) is None


def test_without_the_runs_length_or_its_config_there_is_no_claim(tmp_path):
    stuck = {it: 1e-9 for it in range(10, TOTAL + 1, 10)}
    run = _run(tmp_path, stuck)
    assert monitor.low_lr(run, _rows(run), None) is None
    assert monitor.low_lr(run, [], TOTAL) is None
    RunPaths(run).config.unlink()
    assert monitor.low_lr(run, _rows(run), TOTAL) is None
