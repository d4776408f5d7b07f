"""core.sample_cost against a step-by-step replay of XTuner's EvaluateChatHook schedule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import sample_cost


def replay_rounds(total: int, freq: int, save: int) -> int:
    """Walk the run as the hook sees it: before_train, after_train_iter for each iteration, after_train."""
    n = 1  # before_train
    for i in range(1, total + 1):
        saves = i % save == 0 or i == total  # CheckpointHook: every save_steps, and the last iteration
        if saves or i % freq == 0:
            n += 1
    return n + 1  # after_train


@pytest.mark.parametrize("total", [0, 1, 7, 96, 500, 768, 1001])
@pytest.mark.parametrize("freq, save", [(1, 1), (25, 50), (500, 500), (300, 500), (7, 3), (10**6, 10**6)])
def test_rounds_match_the_hook(total, freq, save):
    assert sample_cost.rounds(total, freq, save) == replay_rounds(total, freq, save)


def test_seconds_counts_the_50_tokens_before_training():
    # 768 iterations, freq = save = 500: rounds before, 500, 768 (last), after = 4.
    assert sample_cost.rounds(768, 500, 500) == 4
    assert sample_cost.seconds(768, 500, 500, questions=2, max_new_tokens=48, tokens_per_s=8) == 2 * (50 + 3 * 48) / 8


def test_share_and_the_suggested_frequency():
    # The tutorial run on an H100: 768 iterations at 0.46 s, 2 questions, 48 tokens, freq = save = 500.
    s = sample_cost.share(768, 0.46, 500, 500, questions=2, max_new_tokens=48)
    assert s.seconds == pytest.approx(48.5)
    assert s.share == pytest.approx(48.5 / (48.5 + 768 * 0.46))
    assert s.share > 0.05 and not s.reachable and s.suggested_freq is None  # before/last/after alone miss it

    # One question, 32 tokens, a long run: reachable; the suggestion meets the target and one less does not.
    s = sample_cost.share(3000, 0.46, 50, 1000, questions=1, max_new_tokens=32)
    assert s.share > 0.05 and s.reachable
    f = s.suggested_freq
    # "f or more": every larger frequency meets the target too ...
    assert all(sample_cost.share(3000, 0.46, g, 1000, 1, 32).share <= 0.05 for g in range(f, 3002))
    # ... and the suggestion is not far above the smallest that does (it is found on an upper bound).
    smallest = next(g for g in range(50, 3002) if sample_cost.share(3000, 0.46, g, 1000, 1, 32).share <= 0.05)
    assert smallest <= f <= 2 * smallest

    # The run's length a multiple of save_steps (the last iteration's round is the last save's):
    # reachable, so a frequency is suggested.
    s = sample_cost.share(1000, 0.46, 50, 1000, questions=1, max_new_tokens=48)
    assert s.share > 0.05 and s.reachable and s.suggested_freq
    assert sample_cost.share(1000, 0.46, s.suggested_freq, 1000, 1, 48).share <= 0.05

    # A long run: the suggestion comes from a search, not a scan over a million values.
    s = sample_cost.share(10**6, 0.4, 10, 10**5, questions=2, max_new_tokens=48)
    assert s.suggested_freq and sample_cost.share(10**6, 0.4, s.suggested_freq, 10**5, 2, 48).share <= 0.05

    # Already under the target: nothing to suggest.
    s = sample_cost.share(3000, 0.46, 3000, 3000, questions=1, max_new_tokens=16)
    assert s.share <= 0.05 and s.suggested_freq is None and s.reachable


MEASURED = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@pytest.mark.parametrize("name, recipe", [("h200_x2_gpu0_samples_auto.json", "auto"),
                                          ("h200_x2_gpu0_samples_tutorial.json", "tutorial")])
def test_the_estimate_bounds_the_sample_time_measured_on_a_gpu(name, recipe):
    """The config page's estimate against XTuner's own runs on a GPU (benchmarks/gpu_bench.py samples).

    A regression guard: the speeds in sample_cost come from these runs (the slowest seen per
    method), so the estimate must not fall below the measured time, nor be so loose that the
    page's advice is useless. The round count is checked against the answers the log shows.
    """
    run = json.loads((MEASURED / name).read_text())[recipe]
    n = sample_cost.rounds(run["iters"], int(run["evaluation_freq"]), int(run["save_steps"]))
    # The log shows the last round and the one after training as one group (no iteration between them).
    assert len(run["rounds"]) == n - 1
    assert sum(r["answers"] for r in run["rounds"]) == n * run["questions"]
    estimate = sample_cost.seconds(run["iters"], int(run["evaluation_freq"]), int(run["save_steps"]),
                                   run["questions"], run["max_new_tokens"], sample_cost.tokens_per_s(run["method"]))
    measured = run["sample_s"]  # log timestamps are whole seconds: allow 1 s per round
    assert measured - len(run["rounds"]) <= estimate <= 2 * (measured + len(run["rounds"]))


def test_quantized_training_answers_slowest():
    assert sample_cost.tokens_per_s("qlora") < sample_cost.tokens_per_s("lora") == sample_cost.tokens_per_s("full")
    assert sample_cost.tokens_per_s(None) == sample_cost.tokens_per_s("qlora")  # unknown: the slowest


def test_other_models_are_scaled_by_their_layers():
    assert sample_cost.tokens_per_s("lora", 24) == sample_cost.tokens_per_s("lora")  # the measured shape
    assert sample_cost.tokens_per_s("qlora", 4) == 6 * sample_cost.tokens_per_s("qlora")  # the demo model
    assert sample_cost.tokens_per_s("qlora", 32) < sample_cost.tokens_per_s("qlora")  # a 7B model
