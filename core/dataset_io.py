"""Read datasets made for other tools into XTuner records, and write them back out.

Reads XTuner conversation JSON/JSONL, alpaca (instruction/input/output, LLaMA-Factory's
``history``), ShareGPT (``conversations`` with from/value), OpenAI ``messages``, ms-swift
(query/response), question/answer JSON, CSV and XLSX tables (columns found by name or
mapped by hand; see :mod:`core.dataset_tables`). Files are read as a stream
(:mod:`core.json_stream`): memory stays bounded by what is kept, and with ``keep=False`` only
the counts, the first records (a preview) and the first problems are kept, so a page can show
what a 150 MB file holds and read its records only when the person adds them.

Identity files with ``{{name}}``/``{{author}}`` or ``NAME``/``AUTHOR`` placeholders are filled
from the form; while a value they need is empty the file waits for it (``needs``) instead of
being read with blanks. Every row that cannot be used is reported with its place ("line 40:
not valid JSON"); a file that cannot be read at all is a ``fatal`` problem and yields no
records. Writes XTuner JSON, JSONL and CSV.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from core import dataset, dataset_tables, identity, json_stream, text_encoding
from core.dataset import Problem, problem
from core.dataset_result import PREVIEW, ImportResult, fatal
from core.dataset_tables import write_csv
from core.record_store import Records

__all__ = ["PREVIEW", "ImportResult", "fatal", "read_path", "parse_bytes", "read_stream"]

MAX_BYTES = 200 * 1024 * 1024
_MAGIC = {b"PK\x03\x04": "zip", b"%PDF": "pdf", b"\x89PNG": "image", b"\xff\xd8\xff": "image",
          b"GIF8": "image", b"\x1f\x8b": "archive", b"7z\xbc\xaf": "archive", b"Rar!": "archive",
          b"\x7fELF": "program", b"SQLite format 3": "database"}
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])
USER_ROLES = {"human", "user"}
ASSISTANT_ROLES = {"gpt", "assistant", "model", "chatgpt", "bot"}
Progress = Callable[[float], None]



# ---------------------------------------------------------------- entry points


def read_path(path: str | Path, name: str = "", author: str = "", mapping: dict[str, str | None] | None = None,
              *, keep: bool = True, progress: Progress | None = None) -> ImportResult:
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
        with open(path, "rb") as raw:
            return read_stream(raw, size, path.name, name, author, mapping, keep=keep, progress=progress)
    except OSError as exc:
        return fatal("unreadable", f"cannot read {path}: {exc.strerror or exc}", path=str(path))


def parse_bytes(data: bytes, filename: str, name: str = "", author: str = "",
                mapping: dict[str, str | None] | None = None, *, keep: bool = True,
                progress: Progress | None = None) -> ImportResult:
    """Import the bytes of an uploaded or read file; the kind comes from the name and content."""
    return read_stream(io.BytesIO(data), len(data), filename, name, author, mapping, keep=keep, progress=progress)


def read_stream(raw: IO[bytes], size: int, filename: str, name: str = "", author: str = "",
                mapping: dict[str, str | None] | None = None, *, keep: bool = True,
                progress: Progress | None = None) -> ImportResult:
    """Import a seekable binary stream of ``size`` bytes (an upload, an open file) without reading it whole."""
    if size > MAX_BYTES:
        return fatal("too_big", "the file is too large", size_mb=round(size / 2**20), limit_mb=MAX_BYTES // 2**20)
    raw.seek(0)
    head = raw.read(8192)
    raw.seek(0)
    if not head.strip() and size <= len(head):
        return fatal("empty", "the file is empty")
    ext = Path(filename).suffix.lower()
    if ext == ".xls":
        return fatal("xls", "old Excel .xls files cannot be read; save it as .xlsx or CSV")
    if ext in (".xlsx", ".xlsm") or (head[:4] == b"PK\x03\x04" and ext not in (".json", ".jsonl", ".csv", ".tsv")):
        result = dataset_tables.read_xlsx(raw, mapping, keep)
    else:
        utf16 = text_encoding.utf16_encoding(head)
        kind = None if utf16 else _binary_kind(head)
        if kind:
            return fatal("binary", f"this is not a text file (it looks like {kind} data)", kind=kind)
        encoding = utf16 or "utf-8-sig"
        notes = [problem("file", 0, "utf16", "the file is UTF-16 text; it was read as such")] if utf16 else []
        try:
            result = _read_text(raw, size, encoding, ext, mapping, keep, progress)
        except UnicodeDecodeError:
            line, looks = text_encoding.not_utf8(raw)
            if looks == "binary" and not utf16:
                return fatal("binary", "this is not a text file (it looks like binary data)", kind="binary")
            if utf16 or looks != "gbk":
                return fatal("not_utf8", f"the file is not UTF-8 text (line {line}); save it as UTF-8", line=line)
            notes = [problem("file", 0, "gbk", f"the file is not UTF-8 (line {line}); it looks like GBK and was read "
                             "as GBK: check the characters in the preview", line=line)]
            try:
                result = _read_text(raw, size, "gb18030", ext, mapping, keep, progress)
            except UnicodeDecodeError:
                return fatal("not_utf8", f"the file is not UTF-8 text (line {line}); save it as UTF-8", line=line)
        result.notes = notes + result.notes
    if result.fatal is None:
        _fill(result, name, author)
    return result


def _binary_kind(head: bytes) -> str | None:
    """What a file that is not text looks like, from its first bytes (None: it may be text; UTF-16 is
    text and is asked about first)."""
    kind = next((k for magic, k in _MAGIC.items() if head.startswith(magic)), None)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return kind or ("binary" if controls > max(2, 0.02 * len(head)) else None)


def _read_text(raw: IO[bytes], size: int, encoding: str, ext: str, mapping: dict[str, str | None] | None,
               keep: bool, progress: Progress | None) -> ImportResult:
    """A text file (JSON, JSONL, CSV) in ``encoding``; UnicodeDecodeError when it is not that encoding."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    shown = [0.0]

    def tick() -> None:
        if progress and size:
            done = min(1.0, raw.tell() / size)
            if done - shown[0] >= 0.01:
                shown[0] = done
                progress(done)

    def read(n: int) -> str:
        chunk = text.read(n)
        tick()
        return chunk

    try:
        if ext in (".csv", ".tsv"):
            return dataset_tables.read_csv(text, "\t" if ext == ".tsv" else None, mapping, keep, tick)
        return _read_json(json_stream.Reader(read), ext, keep)
    finally:
        text.detach()  # the caller's stream stays open (an upload is read again when its records are added)


# ---------------------------------------------------------------- JSON and JSONL


def _read_json(reader: json_stream.Reader, ext: str, keep: bool) -> ImportResult:
    first = reader.first_char()
    if not first:
        return fatal("empty", "the file is empty")
    result = ImportResult(keep=keep)
    try:
        if ext == ".jsonl" or (first == "{" and reader.first_line_is_json()):
            _convert_rows(_jsonl_rows(reader, result), "line", True, result)
            result.problems.sort(key=lambda p: p.index)
            if not result.usable and result.total and result.problems and all(
                    p.code == "bad_json_line" for p in result.problems):
                first_bad = result.problems[0]
                return fatal("bad_json", f"line {first_bad.index} is not valid JSON", line=first_bad.index,
                             **{k: v for k, v in first_bad.values if k in ("column", "reason")})
        elif first == "[":
            _convert_rows(enumerate(reader.elements(), 1), "record", False, result)
            if not result.total:
                return fatal("no_records", "the dataset has no records")
        else:
            values = enumerate(reader.values(), 1)
            head = next(values)
            if not isinstance(head[1], dict):
                return fatal("not_list", "the top level must be a list of records ([...])")
            _convert_rows(chain([head], values), "record", False, result)
    except json_stream.SyntaxProblem as exc:
        return fatal("bad_json", f"line {exc.line}, column {exc.column} is not valid JSON ({exc.msg})",
                     line=exc.line, column=exc.column, reason=exc.reason)
    return result


def _jsonl_rows(reader: json_stream.Reader, result: ImportResult) -> Iterator[tuple[int, Any]]:
    """(line, value) of each JSONL line; lines that are not JSON go into ``result`` as problems."""
    for no, line in reader.lines():
        try:
            yield no, json_stream.loads_line(line)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(line.rstrip())  # the line stops before its record is complete
            reason = "line_truncated" if cut else dataset.json_reason(exc.msg)
            result.total += 1
            result.take(None, [problem("line", no, "bad_json_line", f"column {exc.colno} is not valid JSON ({exc.msg})",
                                       column=exc.colno, reason=reason)], line)


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


def _convert_rows(rows: Iterable[tuple[int, Any]], unit: str, is_jsonl: bool, result: ImportResult) -> None:
    """Each (place, value) as a record or its problems; the format is the shape of most of the first 50."""
    rows = iter(rows)
    head = list(islice(rows, 50))
    result.fmt = _detect(head) + ("_jsonl" if is_jsonl else "")
    for index, row in chain(head, rows):
        result.total += 1
        if not isinstance(row, dict):
            rec, probs = None, [problem(unit, index, "not_object", "is not an object ({...})")]
        else:
            rec, probs = _to_record(row, _shape(row), unit, index)
        if rec is not None and not probs:
            probs = dataset.check_record(rec, index, unit)
        result.take(rec, probs, row)


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
    """An identity file's placeholders, filled from the form in every kept record.

    ``{{name}}``-style placeholders anywhere, or ``NAME``/``AUTHOR`` in at least 30 % of the
    records, make it an identity file. One rule: when a value it needs is empty, nothing is
    filled and ``needs`` names the form fields; the page asks for them and reads the file again.
    """
    bare = result._bare_records >= max(1, 0.3 * result.usable)
    wanted = result._braced | (result._bare if bare else set())
    if not wanted:
        return
    result.placeholders = True
    values = {"name": name.strip(), "author": author.strip()}
    result.needs = sorted(k for k in wanted if not values[k])
    if result.needs:
        result.records = Records()  # nothing is usable with blanks in it
        return

    def filled(rec: dict[str, Any]) -> dict[str, Any]:
        for turn in rec["conversation"]:
            for key in ("system", "input", "output"):
                if isinstance(turn.get(key), str):
                    turn[key] = identity.fill_placeholders(turn[key], values["name"], values["author"], bare)
        return rec

    result.records = result.records.map(filled)


# ---------------------------------------------------------------- export


def to_json(records: list[dict[str, Any]]) -> bytes:
    """What training reads (same text as the saved dataset file)."""
    return b"".join(dataset.dump_chunks(records))


def to_jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def to_csv(records: list[dict[str, Any]]) -> bytes:
    """question, answer[, system][, conversation] (see :mod:`core.dataset_tables`)."""
    return write_csv(records)


EXPORTS = {"json": (to_json, "application/json"), "jsonl": (to_jsonl, "application/jsonl"),
           "csv": (to_csv, "text/csv")}
