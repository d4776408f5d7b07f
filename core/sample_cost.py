"""What the sample answers during training cost: XTuner's EvaluateChatHook, counted the way it runs.

The hook answers every evaluation question before training (with 50 new tokens), after
every ``evaluation_freq``-th iteration, after every iteration that saves a checkpoint
(every ``save_steps`` and the last one), and once more after training. The hook answers one
question at a time, at 8 to 24 tokens/s on the GPUs measured (benchmarks/RESULTS.md), so on a
short run it can take a large share; the config page shows the share and the evaluation_freq
that keeps it under a target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BEFORE_TRAIN_TOKENS = 50  # EvaluateChatHook.before_train asks with max_new_tokens=50
# Tokens per second of the hook's answers, the slowest measured for each kind of training
# (random weights, so every answer runs to max_new_tokens; benchmarks/RESULTS.md):
# 4-bit QLoRA in fp16 answered at 8 tokens/s on an H100 host and 12 on an H200 host; LoRA in
# bf16 (no quantization, the auto recipe) at 24 on the H200 host. Full fine-tuning has no
# adapters and no 4-bit weights; it is counted with LoRA.
TOKENS_PER_S = 8.0
TOKENS_PER_S_BY_METHOD = {"qlora": 8.0, "lora": 24.0, "full": 24.0}
TARGET_SHARE = 0.05


MEASURED_LAYERS = 24  # the speeds above: internlm2-chat-1_8b's shape


def tokens_per_s(method: str | None, layers: int | None = None) -> float:
    """Expected answer speed on a GPU for a training method (``qlora``, ``lora``, ``full``).

    Answering one question at a time is bound by kernel launches, whose number per token
    grows with the layers; other models are scaled from the measured 24 layers by that count
    (an estimate: only the 24-layer shape was measured).
    """
    base = TOKENS_PER_S_BY_METHOD.get(method or "", TOKENS_PER_S)
    return base * MEASURED_LAYERS / layers if layers and layers > 0 else base


def rounds(total_iters: int, evaluation_freq: int, save_steps: int) -> int:
    """Rounds of sample answers in a run of ``total_iters`` iterations (before and after included)."""
    t, f, s = max(0, int(total_iters)), max(1, int(evaluation_freq)), max(1, int(save_steps))
    during = t // f + t // s - t // math.lcm(f, s)
    if t and t % f and t % s:
        during += 1  # the last iteration always saves a checkpoint, and every save samples
    return 2 + during


def seconds(total_iters: int, evaluation_freq: int, save_steps: int, questions: int, max_new_tokens: int,
            tokens_per_s: float = TOKENS_PER_S) -> float:
    """Longest time the sample answers can take (every answer runs to ``max_new_tokens``)."""
    return _round_seconds(rounds(total_iters, evaluation_freq, save_steps), questions, max_new_tokens,
                          tokens_per_s)


def _round_seconds(n: int, questions: int, max_new_tokens: int, tokens_per_s: float) -> float:
    """``n`` rounds: the first before training at 50 tokens, the others at ``max_new_tokens``."""
    return max(0, int(questions)) * (BEFORE_TRAIN_TOKENS + (n - 1) * int(max_new_tokens)) / tokens_per_s


@dataclass(frozen=True)
class Share:
    seconds: float  # sample answers, at most
    train_seconds: float  # the iterations themselves
    share: float  # of the whole run
    suggested_freq: int | None  # the smallest evaluation_freq that meets the target, if one does
    reachable: bool  # False: even with no periodic rounds the target is missed (checkpoints, before/after)


def share(total_iters: int, sec_per_iter: float, evaluation_freq: int, save_steps: int, questions: int,
          max_new_tokens: int, tokens_per_s: float = TOKENS_PER_S, target: float = TARGET_SHARE) -> Share:
    """The share of a run spent on sample answers, and how to bring it under ``target``.

    The suggested evaluation_freq holds for every larger value too: it is searched on an upper
    bound of the round count (periodic and checkpoint rounds counted apart), which only falls
    as the frequency grows, while the exact count does not fall monotonically (rounds that land
    on a checkpoint are shared). A binary search, so it costs nothing on a page render.
    """
    total_iters = max(0, int(total_iters))
    train_s = max(0.0, total_iters * sec_per_iter)

    def frac(sample_s: float) -> float:
        return sample_s / (sample_s + train_s) if sample_s + train_s > 0 else 0.0

    save = max(1, int(save_steps))

    def bound(freq: int) -> float:  # rounds counted without sharing: before, periodic, saves (last too), after
        n = 2 + total_iters // freq + total_iters // save + (1 if total_iters % save else 0)
        return frac(_round_seconds(n, questions, max_new_tokens, tokens_per_s))

    sample_s = seconds(total_iters, evaluation_freq, save_steps, questions, max_new_tokens, tokens_per_s)
    now = frac(sample_s)
    floor = frac(seconds(total_iters, total_iters + 1, save_steps, questions, max_new_tokens, tokens_per_s))
    suggested = None
    lo, hi = max(1, int(evaluation_freq)), total_iters + 1
    if now > target and bound(hi) <= target:
        while lo < hi:
            mid = (lo + hi) // 2
            if bound(mid) <= target:
                hi = mid
            else:
                lo = mid + 1
        suggested = lo
    return Share(sample_s, train_s, now, suggested, floor <= target)
