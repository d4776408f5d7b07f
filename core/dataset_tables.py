"""Question/answer tables: CSV and XLSX in, CSV out.

Columns are found by name in English or Chinese ("question"/"问题", "answer"/"回答",
optional "system" and "conversation"); when they cannot be found the result asks for a
mapping, and the page lets the person pick the columns. Consecutive rows with the same
conversation id become one multi-turn record, so CSV round-trips XTuner records. Row
numbers are the ones a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO, Any, TextIO

from core import dataset
from core.dataset import problem
from core.dataset_result import ImportResult, fatal

COLUMN_NAMES = {
    "question": ("question", "q", "instruction", "prompt", "query", "input", "user",
                 "问题", "提问", "指令", "输入", "问"),
    "answer": ("answer", "a", "output", "response", "completion", "assistant", "reply",
               "回答", "答案", "输出", "回复", "答"),
    "system": ("system", "system_prompt", "系统", "系统提示"),
    "conversation": ("conversation", "conversation_id", "dialog", "dialog_id", "对话", "对话编号"),
}


def guess_mapping(columns: list[str]) -> dict[str, str | None] | None:
    """Which column is the question, the answer (and system, conversation); None if unsure."""
    lowered = {c.strip().lower(): c for c in columns}
    found: dict[str, str | None] = {}
    for key, names in COLUMN_NAMES.items():
        found[key] = next((lowered[n] for n in names if n in lowered), None)
    if "instruction" in lowered and "input" in lowered:
        found["question"], found["question_extra"] = lowered["instruction"], lowered["input"]
    if not found["question"] or not found["answer"] or found["question"] == found["answer"]:
        return None
    return found


csv.field_size_limit(256 * 1024 * 1024)  # a cell may be as long as a file the importer accepts


def read_csv(text: TextIO, delimiter: str | None, mapping: dict[str, str | None] | None, keep: bool = True,
             tick: Callable[[], None] | None = None) -> ImportResult:
    """A CSV/TSV text stream, row by row (the delimiter is sniffed from the start when not given)."""
    if delimiter is None:
        sample = text.read(8192)
        text.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for n, row in enumerate(reader, 1):
            if tick and n % 2000 == 0:
                tick()
            yield n, row

    try:
        return _table(rows(), "csv", mapping, keep)
    except csv.Error as exc:
        reason = "csv_nul" if "NUL" in str(exc) else "csv_quote" if "quote" in str(exc) else "csv_other"
        return fatal("bad_csv", f"line {reader.line_num}: the CSV file cannot be read ({exc})",
                     line=reader.line_num, reason=reason)


def read_xlsx(raw: IO[bytes], mapping: dict[str, str | None] | None, keep: bool = True) -> ImportResult:
    """The first sheet with something in it (openpyxl's read-only mode streams the rows)."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or non-Excel zip
        reason = ("xlsx_zip" if isinstance(exc, zipfile.BadZipFile) else
                  "xlsx_parts" if isinstance(exc, KeyError) else "xlsx_other")
        return fatal("bad_xlsx", f"this is not a readable Excel file ({type(exc).__name__}: {exc})", reason=reason)
    try:
        for sheet in book.worksheets:
            rows = (["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True))
            numbered = enumerate(rows, 1)
            for rowno, row in numbered:
                if any(c.strip() for c in row):
                    return _table(chain([(rowno, row)], numbered), "xlsx", mapping, keep)
    except Exception as exc:  # a damaged sheet inside a valid zip
        return fatal("bad_xlsx", f"this is not a readable Excel file ({type(exc).__name__}: {exc})",
                     reason="xlsx_other")
    finally:
        book.close()
    return fatal("empty", "the file is empty")


def _table(rows: Iterator[tuple[int, list[str]]], fmt: str, mapping: dict[str, str | None] | None,
           keep: bool) -> ImportResult:
    """Rows (spreadsheet row number, cells) after the header as records; consecutive rows with one
    conversation id are one record."""
    header_row = next(((n, r) for n, r in rows if any(c.strip() for c in r)), None)
    if header_row is None:
        return fatal("empty", "the file is empty")
    header = [c.strip() for c in header_row[1]]
    result = ImportResult(fmt=fmt, columns=header, keep=keep)
    mapping = mapping or guess_mapping(header)
    if mapping is None:
        return result
    for col in mapping.values():
        if col and col not in header:
            return fatal("no_column", f"there is no column {col!r}", column=col)
    result.mapping = mapping
    pos = {k: (header.index(c) if c else None) for k, c in mapping.items()}

    def cell(row: list[str], key: str) -> str:
        j = pos.get(key)
        return row[j].strip() if j is not None and j < len(row) else ""

    group: dict[str, Any] | None = None
    last_id: str | None = None
    for rowno, row in rows:
        if not any(c.strip() for c in row):
            continue
        q, a, system = cell(row, "question"), cell(row, "answer"), cell(row, "system")
        if cell(row, "question_extra"):
            q = f"{q}\n{cell(row, 'question_extra')}" if q else cell(row, "question_extra")
        turn = {"system": system, "input": q, "output": a} if system else {"input": q, "output": a}
        probs = []
        if not q:
            probs.append(problem("row", rowno, "question_empty", "question is empty"))
        if not a:
            probs.append(problem("row", rowno, "answer_empty", "answer is empty"))
        for key, value in turn.items():
            probs += dataset.text_problems("row", rowno, 0, 1, key, value)
        result.total += 1
        if probs:
            result.take(None, probs, " | ".join(row))
            continue
        conv_id = cell(row, "conversation") or None
        if group is not None and conv_id is not None and conv_id == last_id:
            group["conversation"].append(turn)
        else:
            if group is not None:
                result.take(group, [])
            group = {"conversation": [turn]}
        last_id = conv_id
    if group is not None:
        result.take(group, [])
    return result


# ---------------------------------------------------------------- export


def write_csv(records: list[dict[str, Any]]) -> bytes:
    """question, answer[, system][, conversation]; a BOM so Excel shows Chinese correctly."""
    turns = [(n, t) for n, r in enumerate(records, 1) for t in r["conversation"]]
    with_system = any(t.get("system") for _, t in turns)
    multi = any(len(r["conversation"]) > 1 for r in records)
    header = ["question", "answer"] + (["system"] if with_system else []) + (["conversation"] if multi else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n, t in turns:
        row = [t.get("input", ""), t.get("output", "")]
        row += [t.get("system", "")] if with_system else []
        row += [str(n)] if multi else []
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")
