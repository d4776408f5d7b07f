"""Identity datasets in XTuner's conversation format: build, validate, save, load.

Training reads ``[{"conversation": [{"system"?, "input", "output"}, ...]}, ...]``. This
module makes such records (the tutorial's generator first), checks them with messages a
person understands ("record 12: output is empty"), and saves them atomically, keeping
earlier versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.workspace import list_versions, versioned_write_text

TUTORIAL_N = 8000


def tutorial_pairs(name: str) -> list[tuple[str, str]]:
    """The tutorial's two question/answer pairs for the owner ``name``."""
    return [
        ("请介绍一下你自己", f"我是{name}的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"),
        ("你在实战营做什么", f"我在这里帮助{name}完成XTuner微调个人小助手的任务"),
    ]


def tutorial_records(name: str, n: int = TUTORIAL_N) -> list[dict[str, Any]]:
    """Exactly what the tutorial's ``xtuner_generate_assistant.py`` writes: 2 + 2·n records."""
    if not name or not name.strip():
        raise ValueError("the name is empty")
    if n < 0:
        raise ValueError("the repeat count n cannot be negative")
    base = [{"conversation": [{"input": q, "output": a}]} for q, a in tutorial_pairs(name.strip())]
    return base + [base[i % 2] for i in range(2 * n)]


def records_from_pairs(pairs: list[tuple[str, str]], system: str = "") -> list[dict[str, Any]]:
    out = []
    for q, a in pairs:
        turn: dict[str, str] = {"input": q, "output": a}
        if system:
            turn = {"system": system, **turn}
        out.append({"conversation": [turn]})
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset, located for a person."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def validate(records: Any) -> list[Problem]:
    """Every problem that would make XTuner fail or train on nonsense."""
    if not isinstance(records, list):
        return [Problem("file", "the top level must be a list of records ([...])")]
    if not records:
        return [Problem("file", "the dataset has no records")]
    problems: list[Problem] = []
    for i, rec in enumerate(records, 1):
        where = f"record {i}"
        if not isinstance(rec, dict) or "conversation" not in rec:
            problems.append(Problem(where, 'has no "conversation" list'))
            continue
        conv = rec["conversation"]
        if not isinstance(conv, list) or not conv:
            problems.append(Problem(where, '"conversation" must be a non-empty list of turns'))
            continue
        for j, turn in enumerate(conv, 1):
            at = f"{where}, turn {j}"
            if not isinstance(turn, dict):
                problems.append(Problem(at, "is not an object with input and output"))
                continue
            for key in ("input", "output"):
                value = turn.get(key)
                if not isinstance(value, str):
                    problems.append(Problem(at, f"{key} is missing or not text"))
                elif key == "output" and not value.strip():
                    problems.append(Problem(at, "output is empty"))
            if "system" in turn and not isinstance(turn["system"], str):
                problems.append(Problem(at, "system must be text"))
    return problems


def dumps(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=4) + "\n"


def save(path: Path, records: list[dict[str, Any]]) -> Path | None:
    """Validate and write atomically; the previous file is kept as a version.

    Raises ValueError (with the first problems listed) when the records are invalid.
    Returns the path of the kept previous version, if any.
    """
    problems = validate(records)
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"the dataset was not saved: {shown}{more}")
    return versioned_write_text(Path(path), dumps(records))


def load(path: Path) -> list[dict[str, Any]]:
    """Read an XTuner conversation JSON file; ValueError with a plain message if unreadable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    return data


def versions(path: Path) -> list[Path]:
    return list_versions(Path(path))


def first_pairs(records: list[dict[str, Any]], limit: int = 10) -> list[tuple[str, str]]:
    """Distinct (input, output) pairs of first turns, in order of appearance."""
    seen: dict[tuple[str, str], None] = {}
    for rec in records:
        try:
            turn = rec["conversation"][0]
            seen.setdefault((turn["input"], turn["output"]), None)
        except (KeyError, IndexError, TypeError):
            continue
        if len(seen) >= limit:
            break
    return list(seen)
