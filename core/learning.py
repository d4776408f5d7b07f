"""Did the model learn who it is? One judgement for the train page's end and convert's verify step.

The identity answer is learnt when the answers to the identity questions name the owner (and the
assistant, when it has a name of its own). The names come from what the person said on the dataset
page (saved next to the dataset), else from the training answers themselves. Questions in a
language the training data never asks in are not held against the model.

Also what is known of how many steps a model needs (:func:`advice`): measured for the demo model,
the tutorial's setting for the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import dataset, logs, scorecard, templates
from core.demo_model import is_demo_model
from core.runs import RunPaths
from core.runs import meta as run_meta

# Steps (iterations, as XTuner's log counts them) of a whole run at the config page's defaults for
# the demo model (core.config.DEMO_SETTINGS: max_length 256, batch 1, lr 5e-3, 3 epochs, sample
# answers every 25 steps) and whether its answer to "请介绍一下你自己" named the owner. Measured with
# ``benchmarks/learn_steps.py R`` (the dataset page's defaults: the 26 built-in Chinese questions
# for owner 小明 repeated R times, the built-in general conversations at the slider's 50 %), real
# XTuner on 2 shared CPU cores, 2026-12-02:
#   R=1:  52 records,  96 steps: not learnt (samples at 25/50/75/96: "我我我…我。")
#   R=3:  150 records, 144 steps: not learnt (every sample, 25 to 144: rows of "�"; the plan said
#         about 156: XTuner's unseeded shuffle packed 48 samples per epoch, the plan's range 48-54)
#   R=10: 332 records, 228 steps: not learnt (samples from 100 on: "我明明明明…", never the whole name;
#         the plan said about 240: 76 packed samples per epoch, the plan's range 78-82)
#   R=30: 852 records, 489 steps: learnt: "我是小明明明…小助手" at step 50, "我是小明的小助手。" from 75 on
#         (stopped at step 150 to free the cores; every sample from 75 to 150 named the owner)
# What counts is how often each question is seen (R x epochs), not the steps alone; the advice says
# steps because that is what the page shows. Below the run that learnt, the page warns.
DEMO_STEPS_LEARNT = 489
DEMO_STEPS_NOT_LEARNT = 228


@dataclass(frozen=True)
class Names:
    owner: str
    assistant: str = ""


@dataclass(frozen=True)
class Verdict:
    learnt: bool
    answers: list[tuple[str, str]]  # (question, answer) that were judged
    missed: list[tuple[str, str]]  # the ones that do not name the owner (and the assistant)
    names: Names | None  # None: nobody's name is known, so nothing could be judged (learnt is False)


def names_for(dataset_path: str | Path | None) -> Names | None:
    """Who the assistant is and belongs to: the dataset page's form saved with the dataset, else the
    name the training answers give most often; None when neither says."""
    if not dataset_path:
        return None
    saved, _ = dataset.load_builder(Path(dataset_path), general=False)
    owner = str(saved.get("dataset.owner") or "").strip()
    if owner:
        return Names(owner, str(saved.get("dataset.name") or "").strip())
    found = scorecard.names_from_records(scorecard.load_records(Path(dataset_path)), limit=1)
    return Names(found[0]) if found else None


_CJK = re.compile(r"[\u3400-\u9fff]")


def _script(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def asked_in_training(questions: list[str], train_inputs: list[str]) -> list[str]:
    """The questions in a language (Chinese or not) that the training data asks in."""
    scripts = {_script(q) for q in train_inputs}
    return [q for q in questions if _script(q) in scripts]


def names_in(answer: str, names: Names) -> bool:
    wanted = [n for n in (names.owner, names.assistant) if n.strip()]
    return bool(wanted) and all(scorecard.identity_hit(answer, [n]) for n in wanted)


def judge(answers: list[tuple[str, str]], names: Names | None) -> Verdict | None:
    """Learnt when every answer names the owner (and the assistant); None without answers."""
    if not answers:
        return None
    if names is None or not names.owner.strip():
        return Verdict(False, list(answers), [], None)
    missed = [(q, a) for q, a in answers if not names_in(a, names)]
    return Verdict(not missed, list(answers), missed, names)


_TAG = re.compile(r"<\|[^|<>]{1,40}\|>|</?s>")


def answers_from_sample(text: str, questions: list[str], template: str | None) -> list[tuple[str, str]]:
    """(question, answer) pairs of one EvaluateChatHook output file ("Eval output N:" blocks, one
    per evaluation input, in order): the text after the question's prompt, tags and stop words removed."""
    blocks = [b for b in re.split(r"^Eval output \d+:\s*$", text, flags=re.M) if b.strip()]
    tail = ""
    if template:
        try:
            tail = templates.template(template)["INSTRUCTION"].split("{input}", 1)[1]
        except (ValueError, RuntimeError, IndexError, KeyError):
            tail = ""
    out = []
    for question, block in zip(questions, blocks, strict=False):
        at = block.rfind(question)
        rest = block[at + len(question):] if at >= 0 else block
        if tail and rest.startswith(tail):
            rest = rest[len(tail):]
        out.append((question, _TAG.sub("", rest).strip()))
    return out


def train_inputs(dataset_path: str | Path | None) -> list[str]:
    return scorecard.training_inputs(scorecard.load_records(Path(dataset_path))) if dataset_path else []


def judge_run(run_dir: Path, names: Names | None = None) -> Verdict | None:
    """The verdict on a training run's last sample answers (XTuner's evaluation inputs); None when
    there are none."""
    info: dict[str, Any] = run_meta(run_dir)
    names = names or names_for(info.get("dataset"))
    outputs = logs.eval_outputs(RunPaths(Path(run_dir)).work_dir)
    if not outputs:
        return None
    questions = [q for q in info.get("evaluation_inputs") or [] if isinstance(q, str)]
    pairs = answers_from_sample(outputs[-1][1], questions, info.get("template"))
    asked = set(asked_in_training([q for q, _ in pairs], train_inputs(info.get("dataset"))))
    return judge([(q, a) for q, a in pairs if q in asked], names)


def judge_answers(run_dir: Path, answers: list[tuple[str, str]]) -> Verdict | None:
    """The verdict on answers the merged model gave (convert's verify step) for a run's dataset."""
    info = run_meta(run_dir)
    names = names_for(info.get("dataset"))
    asked = set(asked_in_training([q for q, _ in answers], train_inputs(info.get("dataset"))))
    return judge([(q, a) for q, a in answers if q in asked], names)


@dataclass(frozen=True)
class Advice:
    key: str  # learning.advice.* string
    values: dict[str, Any]
    warn: bool


def advice(model_path: str | Path | None, total_steps: int) -> Advice:
    """What is known of whether ``total_steps`` iterations teach ``model_path`` its identity."""
    if model_path and is_demo_model(Path(model_path)):
        values = {"need": DEMO_STEPS_LEARNT, "failed": DEMO_STEPS_NOT_LEARNT, "have": total_steps}
        if total_steps < DEMO_STEPS_LEARNT:
            return Advice("learning.advice.demo_short", values, True)
        return Advice("learning.advice.demo_ok", values, False)
    return Advice("learning.advice.other", {"have": total_steps}, False)
