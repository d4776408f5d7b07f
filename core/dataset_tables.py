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
from typing import Any

from core.dataset import problem
from core.dataset_io import ImportResult, fatal

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


def read_csv(text: str, delimiter: str | None, mapping: dict[str, str | None] | None) -> ImportResult:
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    try:
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        return fatal("bad_csv", f"the CSV file cannot be read ({exc})", detail=str(exc))
    return _table(table, "csv", mapping)


def read_xlsx(data: bytes, mapping: dict[str, str | None] | None) -> ImportResult:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or non-Excel zip
        return fatal("bad_xlsx", f"this is not a readable Excel file ({type(exc).__name__})", detail=str(exc))
    try:
        for sheet in book.worksheets:
            table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            if any(any(c.strip() for c in row) for row in table):
                return _table(table, "xlsx", mapping)
    finally:
        book.close()
    return fatal("empty", "the file is empty")


def _table(table: list[list[str]], fmt: str, mapping: dict[str, str | None] | None) -> ImportResult:
    while table and not any(c.strip() for c in table[0]):
        table.pop(0)
    if not table:
        return fatal("empty", "the file is empty")
    header = [c.strip() for c in table[0]]
    result = ImportResult(fmt=fmt, columns=header)
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

    last_id: str | None = None
    for rowno, row in enumerate(table[1:], 2):
        if not any(c.strip() for c in row):
            continue
        result.total += 1
        q, a, system = cell(row, "question"), cell(row, "answer"), cell(row, "system")
        if cell(row, "question_extra"):
            q = f"{q}\n{cell(row, 'question_extra')}" if q else cell(row, "question_extra")
        probs = []
        if not q:
            probs.append(problem("row", rowno, "question_empty", "question is empty"))
        if not a:
            probs.append(problem("row", rowno, "answer_empty", "answer is empty"))
        if probs:
            result.problems.extend(probs)
            result.snippets[rowno] = " | ".join(row)[:200]
            continue
        turn = {"system": system, "input": q, "output": a} if system else {"input": q, "output": a}
        conv_id = cell(row, "conversation") or None
        if conv_id is not None and conv_id == last_id and result.records:
            result.records[-1]["conversation"].append(turn)
        else:
            result.records.append({"conversation": [turn]})
            result.places.append(("row", rowno))
        last_id = conv_id
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
