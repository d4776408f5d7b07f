"""Identity datasets in XTuner's conversation format: build, validate, mix, save, load.

Training reads ``[{"conversation": [{"system"?, "input", "output"}, ...]}, ...]``. This
module makes such records (the tutorial's generator, or question/answer rows repeated),
checks them with messages a person understands ("record 12: output is empty"), mixes
general conversations in at a chosen share so the model does not forget everything but
its name, and saves atomically, keeping earlier versions that can be restored. Reading
other formats is :mod:`core.dataset_io`; statistics are :mod:`core.dataset_stats`.
"""

from __future__ import annotations

import io
import json
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

from core import json_stream, text_encoding
from core.json_stream import JSON_REASON_CODES, JSON_REASONS, json_reason  # noqa: F401  (their old home)
from core.record_store import Records, json_chunks, load_list
from core.workspace import (
    atomic_write_chunks,
    atomic_write_text,
    list_versions,
    read_json,
    versioned_write_chunks,
    versioned_write_text,
)

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
    """One thing wrong with a dataset, located for a person.

    ``where``/``message`` are plain English; ``code``, ``values`` and the location
    (``unit`` record/line/row/file, 1-based ``index``, ``turn``) let a page say the same
    thing in another language.
    """

    where: str
    message: str
    code: str = ""
    values: tuple[tuple[str, Any], ...] = ()
    unit: str = ""
    index: int = 0
    turn: int = 0

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def problem(unit: str, index: int, code: str, message: str, turn: int = 0, **values: Any) -> Problem:
    """A :class:`Problem` at ``unit`` ``index`` (e.g. row 12), optionally at a turn."""
    where = "file" if unit == "file" else f"{unit} {index}"
    if turn:
        where += f", turn {turn}"
    return Problem(where, message, code, tuple(values.items()), unit, index, turn)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problems(unit: str, index: int, turn: int, turns: int, key: str, value: Any) -> list[Problem]:
    """A control character (NUL, backspace…; not tab or line breaks) in one text field."""
    found = _CONTROL.search(value) if isinstance(value, str) else None
    if not found:
        return []
    char = f"U+{ord(found.group()):04X}"
    return [problem(unit, index, "control_char", f"{key} has a control character ({char}) at character "
                    f"{found.start() + 1}", turn, field=key, char=char, at=found.start() + 1, turns=turns)]


def _plain_turn(turn: dict[str, Any]) -> bool:
    """A turn with text input, non-blank text output, text or no system, and no control character."""
    i, o, system = turn.get("input"), turn.get("output"), turn.get("system", "")
    return (type(i) is str and type(o) is str and type(system) is str and not o.isspace() and o != ""
            and not (_CONTROL.search(i) or _CONTROL.search(o) or (system and _CONTROL.search(system))))


def check_record(rec: Any, index: int, unit: str = "record") -> list[Problem]:
    """Problems of one record (``index`` is where a person finds it: record, line or row)."""
    if not isinstance(rec, dict) or "conversation" not in rec:
        return [problem(unit, index, "no_conversation", 'has no "conversation" list')]
    conv = rec["conversation"]
    if not isinstance(conv, list) or not conv:
        return [problem(unit, index, "empty_conversation", '"conversation" must be a non-empty list of turns')]
    problems: list[Problem] = []
    n = len(conv)  # lets a page leave "turn 1" out for single-turn records
    for j, turn in enumerate(conv, 1):
        if type(turn) is dict and _plain_turn(turn):
            continue  # the common case, checked fast (a 300,000-row import checks every turn)
        if not isinstance(turn, dict):
            problems.append(problem(unit, index, "turn_not_object", "is not an object with input and output", j,
                                    turns=n))
            continue
        for key in ("input", "output"):
            value = turn.get(key)
            if not isinstance(value, str):
                problems.append(problem(unit, index, "missing_text", f"{key} is missing or not text", j, field=key,
                                        turns=n))
            elif key == "output" and not value.strip():
                problems.append(problem(unit, index, "output_empty", "output is empty", j, turns=n))
        if "system" in turn and not isinstance(turn["system"], str):
            problems.append(problem(unit, index, "system_not_text", "system must be text", j, turns=n))
        for key in ("system", "input", "output"):
            problems += text_problems(unit, index, j, n, key, turn.get(key))
    return problems


def validate(records: Any) -> list[Problem]:
    """Every problem that would make XTuner fail or train on nonsense (``records``: a list, or a
    :class:`~core.record_store.Records`, read one record at a time)."""
    if not isinstance(records, (list, Records)):
        return [problem("file", 0, "not_list", "the top level must be a list of records ([...])")]
    if not records:
        return [problem("file", 0, "no_records", "the dataset has no records")]
    problems: list[Problem] = []
    for i, rec in enumerate(records, 1):
        problems.extend(check_record(rec, i))
    return problems


def without_problems(records: list[Any], problems: list[Problem]) -> list[Any]:
    """The records no problem points at (problems from :func:`validate`): a new list, or a view of a
    :class:`~core.record_store.Records` (nothing decoded)."""
    bad = {p.index for p in problems if p.unit == "record"}
    if isinstance(records, Records):
        return records.subset(i for i in range(len(records)) if i + 1 not in bad) if bad else records[:]
    return [rec for i, rec in enumerate(records, 1) if i not in bad]


# ---------------------------------------------------------------- question/answer rows


def check_rows(rows: list[dict[str, Any]]) -> list[Problem]:
    """Problems of question/answer table rows; rows with nothing in them are ignored."""
    problems: list[Problem] = []
    for i, row in enumerate(rows, 1):
        q, a = cell_text(row.get("question")), cell_text(row.get("answer"))
        if not q and not a:
            continue
        if not q:
            problems.append(problem("row", i, "question_empty", "question is empty"))
        if not a:
            problems.append(problem("row", i, "answer_empty", "answer is empty"))
    return problems


def cell_text(value: Any) -> str:
    """A table cell as stripped text; empty for None, NaN and pandas' NA."""
    if value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType":
        return ""
    return str(value).strip()


def apply_edits(rows: list[dict[str, Any]], edits: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows after a table editor's edits: ``edited_rows`` {position: {column: value}},
    ``deleted_rows`` [position], ``added_rows`` [{column: value}] (Streamlit's data_editor)."""
    out = [dict(r) for r in rows]
    for i, change in (edits.get("edited_rows") or {}).items():
        if 0 <= int(i) < len(out):
            out[int(i)].update(change)
    gone = {int(i) for i in edits.get("deleted_rows") or []}
    out = [r for i, r in enumerate(out) if i not in gone]
    return out + [dict(r) for r in edits.get("added_rows") or []]


def records_from_rows(rows: list[dict[str, Any]], repeat: int = 1, system: str = "") -> list[dict[str, Any]]:
    """Valid table rows as records, each repeated ``repeat`` times (rows with problems left out:
    check them first with :func:`check_rows`)."""
    if repeat < 1:
        raise ValueError("the repeat count must be at least 1")
    pairs = [(cell_text(r.get("question")), cell_text(r.get("answer"))) for r in rows]
    base = records_from_pairs([(q, a) for q, a in pairs if q and a], system)
    return [rec for rec in base for _ in range(repeat)]


# ---------------------------------------------------------------- mixing


@dataclass(frozen=True)
class Mix:
    """Identity records plus a share of general conversations."""

    records: list[dict[str, Any]]
    identity: int
    general: int
    general_available: int
    share_wanted: float

    @property
    def share(self) -> float:
        total = self.identity + self.general
        return self.general / total if total else 0.0

    @property
    def short(self) -> bool:
        """Fewer general conversations were available than the share asked for."""
        return self.general < self.wanted_general()

    def wanted_general(self) -> int:
        return general_needed(self.identity, self.share_wanted) if self.identity else self.general_available


MAX_SHARE = 0.95


def general_needed(identity: int, share: float) -> int:
    """How many general records make them ``share`` of the whole next to ``identity`` records."""
    if not 0 <= share <= MAX_SHARE:
        raise ValueError(f"the share of general conversations must be between 0 and {MAX_SHARE:.0%}")
    return round(identity * share / (1 - share))


def mix(identity: list[dict[str, Any]], general: list[dict[str, Any]], share: float, seed: int = 0) -> Mix:
    """Identity records, then general ones picked at random (same seed, same pick) so that they
    are ``share`` of the result; all of them when there are fewer. No identity: all general.
    ``general`` may be a :class:`~core.record_store.Records`: then so are the records (a view)."""
    if not identity:
        return Mix(general[:], 0, len(general), len(general), share)
    k = min(general_needed(len(identity), share), len(general))
    if k == len(general):
        chosen = general[:]
    else:
        picked = sorted(random.Random(seed).sample(range(len(general)), k))
        chosen = general.subset(picked) if isinstance(general, Records) else [general[i] for i in picked]
    return Mix(identity + chosen, len(identity), k, len(general), share)


def dumps(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=4) + "\n"


def dump_chunks(records: list[dict[str, Any]]) -> Iterator[bytes]:
    """The UTF-8 text of :func:`dumps`, a record at a time (a large dataset never sits whole in memory)."""
    yield from json_chunks(records, indent=4)
    yield b"\n"


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
    kept = versioned_write_chunks(Path(path), dump_chunks(records))
    _remember(_version(Path(path)), (len(records), ()))  # what check_file would find: checked just now
    return kept


class LoadError(ValueError):
    """A saved dataset that cannot be used; ``problem`` says why with its place, for any language."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.message)
        self.problem = found


def load(path: Path) -> list[dict[str, Any]]:
    """Read an XTuner conversation JSON file; :class:`LoadError` (a ValueError) says why it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(problem("file", 0, "unreadable", f"cannot read {path}: {exc.strerror or exc}",
                                path=str(path))) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(_not_utf8(path.name, io.BytesIO(raw))) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(_bad_json(path.name, raw[:text_encoding.HEAD], exc.lineno, exc.colno, exc.msg,
                                  json_reason(exc.msg))) from None
    return data


def check_file(path: Path) -> tuple[int, list[Problem]]:
    """How many records a saved dataset holds and its problems: :func:`load` then :func:`validate`,
    but read a record at a time, so a 170 MB file never sits in memory as objects (that took 0.5 GB).
    Remembered per file version (path, size, modification time): pages ask on every visit, and
    :func:`save` tells it what it just wrote, so the page after a Save does not read the file again."""
    path = Path(path)
    try:
        key = _version(path)
    except OSError as exc:
        return 0, [problem("file", 0, "unreadable", f"cannot read {path}: {exc.strerror or exc}", path=str(path))]
    with _CHECKED_LOCK:
        known = _CHECKED.get(key)
    if known is None:
        known = _check_file(path)
        _remember(key, known)
    return known[0], list(known[1])


_CHECKED: dict[tuple[str, int, int], tuple[int, tuple[Problem, ...]]] = {}
_CHECKED_LOCK = threading.Lock()
CHECKED_KEEP = 8  # file versions remembered (a few workspaces' datasets and their kept versions)


def _version(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return str(path), info.st_size, info.st_mtime_ns


def _remember(key: tuple[str, int, int], result: tuple[int, tuple[Problem, ...]]) -> None:
    with _CHECKED_LOCK:
        _CHECKED.pop(key, None)
        _CHECKED[key] = result
        while len(_CHECKED) > CHECKED_KEEP:
            del _CHECKED[next(iter(_CHECKED))]


def _check_file(path: Path) -> tuple[int, tuple[Problem, ...]]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            reader = json_stream.Reader(f.read)
            if reader.first_char() != "[":  # not what the app writes: read it whole, as load does
                records = load(path)
                return (len(records) if isinstance(records, list) else 0), tuple(validate(records))
            count, problems = 0, []
            for count, rec in enumerate(reader.elements(), 1):
                problems.extend(check_record(rec, count))
    except LoadError as exc:
        return 0, (exc.problem,)
    except OSError as exc:
        return 0, (problem("file", 0, "unreadable", f"cannot read {path}: {exc.strerror or exc}", path=str(path)),)
    except UnicodeDecodeError:
        with open(path, "rb") as raw:
            return 0, (_not_utf8(path.name, raw),)
    except json_stream.SyntaxProblem as exc:
        with open(path, "rb") as raw:
            head = raw.read(text_encoding.HEAD)
        return 0, (_bad_json(path.name, head, exc.line, exc.column, exc.msg, exc.reason),)
    if not count:
        problems = [problem("file", 0, "no_records", "the dataset has no records")]
    return count, tuple(problems)


def _not_utf8(name: str, raw: IO[bytes]) -> Problem:
    """load's problem for a file that is not UTF-8: the line of its first bad byte and, when the
    file looks like UTF-16, GBK or binary data, that (the app reads and writes datasets as UTF-8 only)."""
    line, looks = text_encoding.not_utf8(raw)
    if looks == "utf16":
        return _utf16(name)
    if looks == "binary":
        return problem("file", 0, "binary", f"{name} is not a text file (it looks like binary data)", kind="binary")
    if looks == "gbk":
        return problem("file", 0, "not_utf8_gbk", f"{name} is not UTF-8 text (line {line}); it looks like GBK: "
                       "save it as UTF-8", line=line)
    return problem("file", 0, "not_utf8", f"{name} is not UTF-8 text (line {line})", line=line)


def _bad_json(name: str, head: bytes, line: int, column: int, msg: str, reason: str) -> Problem:
    """The problem of a file that is not valid JSON, for load and the streamed check alike; a UTF-16
    file without a byte-order mark is valid UTF-8 when its text is ASCII, and fails here: named as UTF-16."""
    if text_encoding.utf16_encoding(head):
        return _utf16(name)
    return problem("file", 0, "bad_json", f"{name}, line {line}, column {column}: not valid JSON ({msg})",
                   line=line, column=column, reason=reason)


def _utf16(name: str) -> Problem:
    """The problem for a UTF-16 file (Notepad's "Unicode")."""
    return problem("file", 0, "not_utf8_utf16", f"{name} is UTF-16 text, not UTF-8: save it as UTF-8")


def versions(path: Path) -> list[Path]:
    return list_versions(Path(path))


def restore(path: Path, version: Path) -> Path | None:
    """Make an earlier version current again; the current file is kept as a version too."""
    records = load(version)
    problems = validate(records)
    if problems:
        raise LoadError(problems[0])
    return versioned_write_text(Path(path), Path(version).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the builder's own state

def builder_path(dataset_path: Path) -> Path:
    """Where the page keeps its form, table and settings next to the dataset."""
    return Path(dataset_path).with_suffix(".builder.json")


def general_path(dataset_path: Path) -> Path:
    """Where the imported general conversations are kept (XTuner format)."""
    return Path(dataset_path).with_name("general.json")


def save_builder(dataset_path: Path, state: dict[str, Any], general: list[dict[str, Any]] | None = None) -> None:
    """Remember the builder's inputs (and its general conversations, written a record at a time) for
    the next visit."""
    atomic_write_text(builder_path(dataset_path), json.dumps(state, ensure_ascii=False, indent=1) + "\n")
    if general is not None:
        gpath = general_path(dataset_path)
        if general:
            atomic_write_chunks(gpath, chain(json_chunks(general), [b"\n"]))
        else:
            gpath.unlink(missing_ok=True)


def load_builder(dataset_path: Path, *, general: bool = True) -> tuple[dict[str, Any], Records]:
    """The remembered builder state and general conversations ({} and none when none or unreadable;
    records that a newer check refuses, e.g. with a control character, are left out, not the whole
    list). The general conversations are read a record at a time into a
    :class:`~core.record_store.Records`; ``general=False`` skips them."""
    state = read_json(builder_path(dataset_path), {})
    found = load_list(general_path(dataset_path), lambda rec, i: not check_record(rec, i)) if general else None
    return (state if isinstance(state, dict) else {}), found if found is not None else Records()

