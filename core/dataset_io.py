"""Read datasets made for other tools into XTuner records, and write them back out.

Reads XTuner conversation JSON/JSONL, alpaca (instruction/input/output, LLaMA-Factory's
``history``), ShareGPT (``conversations`` with from/value), OpenAI ``messages``, ms-swift
(query/response), question/answer JSON, CSV and XLSX tables (columns found by name or
mapped by hand; see :mod:`core.dataset_tables`). Identity files with ``{{name}}``/``{{author}}`` or ``NAME``/``AUTHOR``
placeholders are filled from the form. Every row that cannot be used is reported with its
place ("line 40: not valid JSON"); a file that cannot be read at all is a ``fatal``
problem and yields no records. Writes XTuner JSON, JSONL and CSV.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import dataset, identity
from core.dataset import Problem, problem

MAX_BYTES = 200 * 1024 * 1024
_MAGIC = {b"PK\x03\x04": "zip", b"%PDF": "pdf", b"\x89PNG": "image", b"\xff\xd8\xff": "image",
          b"GIF8": "image", b"\x1f\x8b": "archive", b"7z\xbc\xaf": "archive", b"Rar!": "archive"}
USER_ROLES = {"human", "user"}
ASSISTANT_ROLES = {"gpt", "assistant", "model", "chatgpt", "bot"}


@dataclass
class ImportResult:
    """What a file gave: usable records, problems by place, and how it was read."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    fmt: str = ""
    total: int = 0
    fatal: Problem | None = None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str | None] | None = None
    filled_placeholders: bool = False
    snippets: dict[int, str] = field(default_factory=dict)
    places: list[tuple[str, int]] = field(default_factory=list)  # (unit, index) of each record

    @property
    def needs_mapping(self) -> bool:
        return self.fatal is None and self.fmt in ("csv", "xlsx") and self.mapping is None

    @property
    def bad_rows(self) -> int:
        return len({p.index for p in self.problems if p.unit != "file"})


def fatal(code: str, message: str, **values: Any) -> ImportResult:
    return ImportResult(fatal=problem("file", 0, code, message, **values))


# ---------------------------------------------------------------- entry points


def read_path(path: str | Path, name: str = "", author: str = "",
              mapping: dict[str, str | None] | None = None) -> ImportResult:
    """Import a file on this machine (the path is checked first)."""
    path = Path(str(path).strip()).expanduser()
    if not str(path).strip() or str(path) == ".":
        return fatal("no_path", "no path was given")
    if not path.exists():
        return fatal("missing", f"there is no file {path}", path=str(path))
    if not path.is_file():
        return fatal("not_file", f"{path} is a folder, not a file", path=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        return fatal("too_big", "the file is too large", size_mb=round(size / 2**20), limit_mb=MAX_BYTES // 2**20)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return fatal("unreadable", f"cannot read {path}: {exc.strerror or exc}", path=str(path))
    return parse_bytes(data, path.name, name, author, mapping)


def parse_bytes(data: bytes, filename: str, name: str = "", author: str = "",
                mapping: dict[str, str | None] | None = None) -> ImportResult:
    """Import the bytes of an uploaded or read file; the kind comes from the name and content."""
    if not data or not data.strip():
        return fatal("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        return fatal("too_big", "the file is too large", size_mb=round(len(data) / 2**20), limit_mb=MAX_BYTES // 2**20)
    ext = Path(filename).suffix.lower()
    if ext == ".xls":
        return fatal("xls", "old Excel .xls files cannot be read; save it as .xlsx or CSV")
    from core import dataset_tables

    if ext in (".xlsx", ".xlsm") or (data[:4] == b"PK\x03\x04" and ext not in (".json", ".jsonl", ".csv", ".tsv")):
        result = dataset_tables.read_xlsx(data, mapping)
    else:
        kind = next((k for magic, k in _MAGIC.items() if data.startswith(magic)), None)
        if kind or (b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))):
            kind = kind or "binary"
            return fatal("binary", f"this is not a text file (it looks like {kind} data)", kind=kind)
        text, notes, err = _decode(data)
        if err:
            return ImportResult(fatal=err)
        if ext in (".csv", ".tsv"):
            result = dataset_tables.read_csv(text, "\t" if ext == ".tsv" else None, mapping)
        else:
            result = _read_json_text(text, ext)
        result.notes = notes + result.notes
    if result.fatal is None and result.records:
        _fill(result, name, author)
    return result


def _decode(data: bytes) -> tuple[str, list[Problem], Problem | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        note = problem("file", 0, "utf16", "the file is UTF-16 text; it was read as such")
        return data.decode("utf-16"), [note], None
    try:
        return data.decode("utf-8-sig"), [], None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return "", [], problem("file", 0, "not_utf8", f"the file is not UTF-8 text (line {line}); save it as UTF-8",
                               line=line)
    return text, [problem("file", 0, "gbk", f"the file is not UTF-8 (line {line}); it looks like GBK and was read "
                          "as GBK: check the characters in the preview", line=line)], None


# ---------------------------------------------------------------- JSON and JSONL


def _read_json_text(text: str, ext: str) -> ImportResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        if ext == ".jsonl" or (first.strip().startswith("{") and text.count("\n") > 0 and _is_json(first)):
            return _read_jsonl(text)
        return fatal("bad_json", f"line {exc.lineno} is not valid JSON ({exc.msg})", line=exc.lineno,
                      detail=exc.msg)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return fatal("not_list", "the top level must be a list of records ([...])")
    if not data:
        return fatal("no_records", "the dataset has no records")
    return _convert_rows(list(enumerate(data, 1)), "record", is_jsonl=False)


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


def _read_jsonl(text: str) -> ImportResult:
    rows: list[tuple[int, Any]] = []
    bad: list[Problem] = []
    snippets: dict[int, str] = {}
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((no, json.loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(problem("line", no, "bad_json_line", f"not valid JSON ({exc.msg})", detail=exc.msg))
            snippets[no] = line[:200]
    if not rows and bad:
        return fatal("bad_json", f"line {bad[0].index} is not valid JSON", line=bad[0].index, detail="")
    result = _convert_rows(rows, "line", is_jsonl=True)
    result.problems = sorted(bad + result.problems, key=lambda p: p.index)
    result.snippets.update(snippets)
    result.total += len(bad)
    return result


def _detect(rows: list[tuple[int, Any]]) -> str:
    votes: dict[str, int] = {}
    for _, row in rows[:50]:
        if isinstance(row, dict):
            fmt = _shape(row)
            votes[fmt] = votes.get(fmt, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else "unknown"


def _shape(row: dict[str, Any]) -> str:
    if "conversation" in row:
        return "xtuner"
    if "messages" in row:
        return "openai"
    if "conversations" in row:
        return "sharegpt"
    if "instruction" in row:
        return "alpaca"
    if "query" in row and "response" in row:
        return "ms_swift"
    if any(k in row for k in ("question", "prompt")):
        return "qa"
    if "input" in row and "output" in row:
        return "qa"
    return "unknown"


def _convert_rows(rows: list[tuple[int, Any]], unit: str, is_jsonl: bool) -> ImportResult:
    fmt = _detect(rows)
    result = ImportResult(fmt=fmt + ("_jsonl" if is_jsonl else ""), total=len(rows))
    for index, row in rows:
        if not isinstance(row, dict):
            probs = [problem(unit, index, "not_object", "is not an object ({...})")]
            rec = None
        else:
            rec, probs = _to_record(row, _shape(row), unit, index)
        if rec is not None and not probs:
            probs = dataset.check_record(rec, index, unit)
        if probs:
            result.problems.extend(probs)
            result.snippets[index] = json.dumps(row, ensure_ascii=False)[:200]
        else:
            result.records.append(rec)
            result.places.append((unit, index))
    return result


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _to_record(row: dict[str, Any], shape: str, unit: str, i: int) -> tuple[dict[str, Any] | None, list[Problem]]:
    if shape == "xtuner":
        return {"conversation": row["conversation"]}, []
    if shape in ("alpaca", "ms_swift", "qa"):
        q_key = {"alpaca": "instruction", "ms_swift": "query"}.get(shape) or next(
            k for k in ("question", "prompt", "input") if k in row)
        a_key = {"alpaca": "output", "ms_swift": "response"}.get(shape) or next(
            (k for k in ("answer", "completion", "response", "output") if k in row), "answer")
        q, a = _text(row.get(q_key)), _text(row.get(a_key))
        if q is None:
            return None, [problem(unit, i, "field_missing", f"{q_key} is missing or not text", field=q_key)]
        if a is None:
            return None, [problem(unit, i, "field_missing", f"{a_key} is missing or not text", field=a_key)]
        if shape == "alpaca" and _text(row.get("input")):
            q = f"{q}\n{row['input']}" if q else row["input"]
        msgs: list[tuple[str, str]] = []
        history = row.get("history") or []
        if not isinstance(history, list) or any(not (isinstance(h, list) and len(h) == 2) for h in history):
            return None, [problem(unit, i, "bad_history", "history must be a list of [question, answer] pairs")]
        for hq, ha in history:
            msgs += [("user", str(hq)), ("assistant", str(ha))]
        msgs += [("user", q), ("assistant", a)]
        return _from_messages(msgs, _text(row.get("system")) or "", unit, i)
    if shape == "sharegpt":
        conv = row["conversations"]
        if not isinstance(conv, list) or not all(isinstance(m, dict) for m in conv):
            return None, [problem(unit, i, "bad_messages", "conversations must be a list of {from, value}")]
        msgs = [(str(m.get("from", "")).lower(), m.get("value")) for m in conv]
        return _from_messages(msgs, _text(row.get("system")) or "", unit, i)
    if shape == "openai":
        conv = row["messages"]
        if not isinstance(conv, list) or not all(isinstance(m, dict) for m in conv):
            return None, [problem(unit, i, "bad_messages", "messages must be a list of {role, content}")]
        msgs = [(str(m.get("role", "")).lower(), _content(m.get("content"))) for m in conv]
        return _from_messages(msgs, "", unit, i)
    return None, [problem(unit, i, "unknown_shape", "has none of the known fields", keys=", ".join(list(row)[:6]))]


def _content(value: Any) -> Any:
    if isinstance(value, list):  # OpenAI content parts
        parts = [p.get("text") for p in value if isinstance(p, dict) and p.get("type") == "text"]
        return "".join(p for p in parts if isinstance(p, str)) if len(parts) == len(value) else None
    return value


def _from_messages(msgs: list[tuple[str, Any]], system: str, unit: str, i: int
                   ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """(role, text) messages → one record of alternating user/assistant turns."""
    turns: list[dict[str, str]] = []
    pending: str | None = None
    for n, (role, text) in enumerate(msgs, 1):
        if not isinstance(text, str):
            return None, [problem(unit, i, "message_not_text", f"message {n} is not text", n=n)]
        if role == "system":
            if turns or pending is not None:
                return None, [problem(unit, i, "system_late", f"message {n}: a system message in the middle", n=n)]
            system = f"{system}\n{text}" if system else text
        elif role in USER_ROLES:
            if pending is not None:
                return None, [problem(unit, i, "two_questions", f"messages {n - 1} and {n} are both questions", n=n)]
            pending = text
        elif role in ASSISTANT_ROLES:
            if pending is None:
                return None, [problem(unit, i, "answer_first", f"message {n} is an answer with no question", n=n)]
            turn = {"input": pending, "output": text}
            if system and not turns:
                turn = {"system": system, **turn}
            turns.append(turn)
            pending = None
        else:
            return None, [problem(unit, i, "unknown_role", f"message {n} has an unknown role {role!r}", n=n, role=role)]
    if pending is not None:
        return None, [problem(unit, i, "no_answer", "the last question has no answer")]
    if not turns:
        return None, [problem(unit, i, "no_turns", "has no question and answer")]
    return {"conversation": turns}, []


# ---------------------------------------------------------------- placeholders


def _fill(result: ImportResult, name: str, author: str) -> None:
    """Fill identity placeholders in every record; rows that need an empty value become problems."""
    texts = [json.dumps(r, ensure_ascii=False) for r in result.records]
    braced = any(identity.has_braced_placeholders(t) for t in texts)
    bare = sum(identity.has_bare_placeholders(t) for t in texts) >= max(1, 0.3 * len(texts))
    if not (braced or bare):
        return
    values = {"name": name.strip(), "author": author.strip()}
    kept: list[dict[str, Any]] = []
    places: list[tuple[str, int]] = []
    for rec, text, (unit, index) in zip(result.records, texts, result.places, strict=True):
        missing = sorted(k for k in identity.placeholder_names(text, bare) if not values[k])
        if missing:
            result.problems.append(problem(unit, index, "placeholder_empty",
                                           f"needs the {' and '.join(missing)} from the form, which is empty",
                                           fields=", ".join(missing)))
            result.snippets[index] = text[:200]
            continue
        for turn in rec["conversation"]:
            for key in ("system", "input", "output"):
                if isinstance(turn.get(key), str):
                    turn[key] = identity.fill_placeholders(turn[key], values["name"], values["author"], bare)
        kept.append(rec)
        places.append((unit, index))
    result.records, result.places = kept, places
    result.problems.sort(key=lambda p: p.index)
    result.filled_placeholders = True


# ---------------------------------------------------------------- export


def to_json(records: list[dict[str, Any]]) -> bytes:
    """What training reads (same text as the saved dataset file)."""
    return dataset.dumps(records).encode("utf-8")


def to_jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def to_csv(records: list[dict[str, Any]]) -> bytes:
    """question, answer[, system][, conversation] (see :mod:`core.dataset_tables`)."""
    from core.dataset_tables import write_csv

    return write_csv(records)


EXPORTS = {"json": (to_json, "application/json"), "jsonl": (to_jsonl, "application/jsonl"),
           "csv": (to_csv, "text/csv")}
