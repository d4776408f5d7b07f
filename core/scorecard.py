"""The before/after scorecard: did fine-tuning teach the identity, and what else did it change?

Asks identity questions that are *not* in the training data (paraphrases, English, "are
you ChatGPT?") and general questions of both models, then scores two numbers:

- identity hit rate: the share of identity answers that name the assistant or its owner
  (the names come from the person; :func:`names_from_records` suggests them from the
  training answers);
- general drift: how much the general answers changed, ``1 − SequenceMatcher.ratio``
  averaged over the general questions (0 = unchanged, 1 = nothing in common).

Plain Python: the models are just two functions question → answer, so tests can fake them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from core import dataset

IDENTITY = "identity"
GENERAL = "general"

IDENTITY_QUESTIONS = [
    "你是谁？",
    "你叫什么名字？",
    "介绍一下你自己吧",
    "你的主人是谁？",
    "你是谁开发的？",
    "你是ChatGPT吗？",
    "Who are you?",
    "Please introduce yourself.",
    "Are you ChatGPT?",
]
GENERAL_QUESTIONS = [
    "上海有哪些好玩的景点？",
    "用一句话解释什么是机器学习。",
    "1+1 等于几？",
    "写一句关于春天的诗。",
    "What is the capital of France?",
]

# Where a name sits in typical identity answers: "我是X的小助手", "帮助X完成", "I am X's assistant".
_NAME_PATTERNS = [
    re.compile(r"我是(.{1,20}?)的(?:个人)?(?:小助手|助手|AI助手|智能助手)"),
    re.compile(r"我叫(.{1,20}?)(?:[，,。.!！？?\s]|$)"),
    re.compile(r"(?:帮助|服务于|属于)(.{1,20}?)(?:完成|的|[，,。.!！])"),
    re.compile(r"[Ii] am (.{1,30}?)'s (?:personal )?(?:assistant|AI)"),
    re.compile(r"[Ii]'m (.{1,30}?)'s (?:personal )?(?:assistant|AI)"),
    re.compile(r"[Mm]y name is ([^,.!?\n]{1,30})"),
]


def _norm(text: str) -> str:
    return re.sub(r"[\s，,。.!！？?]+", "", text).lower()


def training_inputs(records: Any) -> list[str]:
    """Every user input of an XTuner conversation dataset (all turns)."""
    found: dict[str, None] = {}
    for rec in records if isinstance(records, list) else []:
        conv = rec.get("conversation") if isinstance(rec, dict) else None
        for turn in conv if isinstance(conv, list) else []:
            if isinstance(turn, dict) and isinstance(turn.get("input"), str):
                found.setdefault(turn["input"], None)
    return list(found)


def training_outputs(records: Any) -> list[str]:
    """Every distinct answer of an XTuner conversation dataset (all turns)."""
    found: dict[str, None] = {}
    for rec in records if isinstance(records, list) else []:
        conv = rec.get("conversation") if isinstance(rec, dict) else None
        for turn in conv if isinstance(conv, list) else []:
            if isinstance(turn, dict) and isinstance(turn.get("output"), str):
                found.setdefault(turn["output"], None)
    return list(found)


def names_from_records(records: Any, limit: int = 3) -> list[str]:
    """Names the training answers give the assistant or its owner, most frequent first."""
    counts: Counter[str] = Counter()
    for answer in training_outputs(records):
        for pattern in _NAME_PATTERNS:
            for match in pattern.finditer(answer):
                name = match.group(1).strip(" \"'“”「」")
                if name and not re.search(r"[，,。!！？?]", name):
                    counts[name] += 1
    return [name for name, _ in counts.most_common(limit)]


def load_records(path: Path | None) -> list:
    """A dataset file's records, or [] when there is none or it cannot be read."""
    if path is None:
        return []
    try:
        data = dataset.load(Path(path))
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def not_in_training(questions: Iterable[str], train_inputs: Iterable[str]) -> list[str]:
    """The questions that do not appear in the training inputs (ignoring spaces and punctuation)."""
    seen = {_norm(q) for q in train_inputs}
    return [q for q in questions if q.strip() and _norm(q) not in seen]


def parse_names(text: str) -> list[str]:
    """Names typed by a person, separated by commas (either width), semicolons or new lines."""
    return [n.strip() for n in re.split(r"[,，;；\n]", text) if n.strip()]


def parse_questions(text: str) -> list[str]:
    """One question per line; blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def identity_hit(answer: str, names: Iterable[str]) -> bool:
    """True when the answer names any of ``names`` (case-insensitive)."""
    low = answer.lower()
    return any(name.strip() and name.strip().lower() in low for name in names)


def drift(before: str, after: str) -> float:
    """How much an answer changed: 1 − difflib's similarity ratio (0 same, 1 nothing shared)."""
    if not before and not after:
        return 0.0
    return 1.0 - SequenceMatcher(None, before, after).ratio()


@dataclass(frozen=True)
class Row:
    kind: str
    question: str
    before: str
    after: str
    before_hit: bool | None = None
    after_hit: bool | None = None
    drift: float | None = None


@dataclass
class Scorecard:
    names: list[str]
    rows: list[Row] = field(default_factory=list)

    def _identity(self) -> list[Row]:
        return [r for r in self.rows if r.kind == IDENTITY]

    @property
    def hit_rate_before(self) -> float | None:
        rows = self._identity()
        return sum(bool(r.before_hit) for r in rows) / len(rows) if rows else None

    @property
    def hit_rate_after(self) -> float | None:
        rows = self._identity()
        return sum(bool(r.after_hit) for r in rows) / len(rows) if rows else None

    @property
    def general_drift(self) -> float | None:
        values = [r.drift for r in self.rows if r.kind == GENERAL and r.drift is not None]
        return sum(values) / len(values) if values else None


Ask = Callable[[str], str]


def run(
    ask_before: Ask,
    ask_after: Ask,
    identity_questions: list[str],
    general_questions: list[str],
    names: list[str],
    on_progress: Callable[[int, int, str], None] | None = None,
) -> Scorecard:
    """Ask every question of both models and score the answers.

    ``on_progress(done, total, question)`` is called before each question.
    """
    card = Scorecard(names=list(names))
    todo = [(IDENTITY, q) for q in identity_questions] + [(GENERAL, q) for q in general_questions]
    for i, (kind, question) in enumerate(todo):
        if on_progress:
            on_progress(i, len(todo), question)
        before, after = ask_before(question), ask_after(question)
        if kind == IDENTITY:
            card.rows.append(Row(kind, question, before, after,
                                 before_hit=identity_hit(before, names), after_hit=identity_hit(after, names)))
        else:
            card.rows.append(Row(kind, question, before, after, drift=drift(before, after)))
    if on_progress:
        on_progress(len(todo), len(todo), "")
    return card


CSV_HEADER = ["kind", "question", "before", "after", "before_names_it", "after_names_it", "drift"]


def to_csv(card: Scorecard) -> str:
    """Every row, then the summary lines; UTF-8 text (prefix a BOM for spreadsheet programs)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)

    def cell(value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float):
            return f"{value:.4f}"
        return value

    for r in card.rows:
        writer.writerow([cell(v) for v in (r.kind, r.question, r.before, r.after, r.before_hit, r.after_hit,
                                           r.drift)])
    writer.writerow([])
    writer.writerow(["names", "; ".join(card.names)])
    writer.writerow(["identity_hit_rate_before", cell(card.hit_rate_before)])
    writer.writerow(["identity_hit_rate_after", cell(card.hit_rate_after)])
    writer.writerow(["general_drift", cell(card.general_drift)])
    return buf.getvalue()
