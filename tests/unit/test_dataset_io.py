"""Importing every supported format, refusing unreadable files, and export round trips."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from core import dataset, dataset_io
from core.dataset_io import parse_bytes, read_path


def _write(tmp_path, name: str, content: str | bytes, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def _conv(*turns: tuple[str, str], system: str = "") -> dict:
    out = [{"input": q, "output": a} for q, a in turns]
    if system:
        out[0] = {"system": system, **out[0]}
    return {"conversation": out}


# ---------------------------------------------------------------- JSON shapes


def test_xtuner_json_is_read_as_is(tmp_path):
    recs = [_conv(("你是谁", "我是小助手"), ("还有呢", "没了"), system="sys"), _conv(("q", "a"))]
    res = read_path(_write(tmp_path, "a.json", json.dumps(recs, ensure_ascii=False)))
    assert res.fmt == "xtuner" and res.records == recs and not res.problems and res.fatal is None


def test_xtuner_jsonl_with_a_bad_line_reports_that_line(tmp_path):
    lines = [json.dumps(_conv((f"q{i}", f"a{i}"))) for i in range(1, 60)]
    lines[39] = '{"conversation": [{"input": "q40", "output": "a40"}'  # line 40 is cut short
    res = read_path(_write(tmp_path, "a.jsonl", "\n".join(lines) + "\n"))
    assert res.fmt == "xtuner_jsonl" and len(res.records) == 58 and res.total == 59
    [p] = res.problems
    assert (p.unit, p.index, p.code) == ("line", 40, "bad_json_line")
    assert dict(p.values) == {"column": 52, "reason": "line_truncated"}  # the line stops before the record ends
    assert "q40" in res.snippets[40]


def test_a_json_array_with_a_syntax_error_is_fatal_with_its_line(tmp_path):
    text = '[\n {"instruction": "a", "output": "b"},\n {"instruction": "c", "output": "d",}\n]'
    res = read_path(_write(tmp_path, "a.json", text))
    assert res.fatal is not None and res.fatal.code == "bad_json" and dict(res.fatal.values)["line"] == 3
    assert res.records == []


def test_alpaca_with_input_history_and_system(tmp_path):
    rows = [{"instruction": "翻译", "input": "hello", "output": "你好", "system": "你是翻译"},
            {"instruction": "再来", "input": "", "output": "好的", "history": [["上一个问题", "上一个回答"]]},
            {"instruction": "缺回答", "input": ""}]
    res = read_path(_write(tmp_path, "alpaca.json", json.dumps(rows, ensure_ascii=False)))
    assert res.fmt == "alpaca" and res.total == 3
    assert res.records == [_conv(("翻译\nhello", "你好"), system="你是翻译"),
                           _conv(("上一个问题", "上一个回答"), ("再来", "好的"))]
    [p] = res.problems
    assert str(p) == "record 3: output is missing or not text"


def test_sharegpt_turns_system_and_bad_order(tmp_path):
    rows = [{"conversations": [{"from": "system", "value": "be nice"}, {"from": "human", "value": "hi"},
                               {"from": "gpt", "value": "hello"}, {"from": "human", "value": "bye"},
                               {"from": "gpt", "value": "see you"}]},
            {"conversations": [{"from": "human", "value": "a"}, {"from": "human", "value": "b"}]},
            {"conversations": [{"from": "gpt", "value": "answer first"}]},
            {"conversations": [{"from": "human", "value": "no answer"}]}]
    res = read_path(_write(tmp_path, "sharegpt.json", json.dumps(rows)))
    assert res.fmt == "sharegpt"
    assert res.records == [_conv(("hi", "hello"), ("bye", "see you"), system="be nice")]
    assert [p.code for p in res.problems] == ["two_questions", "answer_first", "no_answer"]
    assert [p.index for p in res.problems] == [2, 3, 4]


def test_openai_messages_jsonl_with_content_parts(tmp_path):
    rows = [{"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"},
                          {"role": "assistant", "content": "a"}]},
            {"messages": [{"role": "user",
                           "content": [{"type": "text", "text": "part "}, {"type": "text", "text": "two"}]},
                          {"role": "assistant", "content": "ok"}]},
            {"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "x"}]}]
    res = read_path(_write(tmp_path, "chat.jsonl", "\n".join(json.dumps(r) for r in rows)))
    assert res.fmt == "openai_jsonl"
    assert res.records == [_conv(("q", "a"), system="sys"), _conv(("part two", "ok"))]
    [p] = res.problems
    assert (p.unit, p.index, p.code) == ("line", 3, "unknown_role")


def test_ms_swift_self_cognition_placeholders_are_filled(tmp_path):
    rows = [{"query": "你是？", "response": "我是{{NAME}}，由{{AUTHOR}}训练的人工智能助手。", "tag": "zh"},
            {"query": "who are you?", "response": "I am {{NAME}}, trained by {{AUTHOR}}.", "tag": "en"}]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    res = read_path(_write(tmp_path, "self_cognition.jsonl", text), name="小智", author="小明")
    assert res.fmt == "ms_swift_jsonl" and res.filled_placeholders
    assert res.records == [_conv(("你是？", "我是小智，由小明训练的人工智能助手。")),
                           _conv(("who are you?", "I am 小智, trained by 小明."))]


@pytest.mark.parametrize("name_ph, author_ph", [("{{name}}", "{{author}}"), ("NAME", "AUTHOR")])
def test_llama_factory_identity_in_both_placeholder_styles(tmp_path, name_ph, author_ph):
    rows = [{"instruction": "hi", "input": "",
             "output": f"Hello! I am {name_ph}, an AI assistant developed by {author_ph}."},
            {"instruction": "你是谁", "input": "", "output": f"您好，我是{name_ph}，由{author_ph}开发。"}]
    res = read_path(_write(tmp_path, "identity.json", json.dumps(rows, ensure_ascii=False)), name="小智", author="小明")
    assert res.filled_placeholders and not res.problems
    assert [r["conversation"][0]["output"] for r in res.records] == [
        "Hello! I am 小智, an AI assistant developed by 小明.", "您好，我是小智，由小明开发。"]


def test_an_identity_file_waits_for_the_form_values_it_needs(tmp_path):
    rows = [{"instruction": "hi", "input": "", "output": "I am {{name}} by {{author}}"},
            {"instruction": "who", "input": "", "output": "made by {{author}}"}]
    path = _write(tmp_path, "identity.json", json.dumps(rows))
    res = read_path(path, name="", author="小明")
    assert res.placeholders and res.needs == ["name"] and not res.filled_placeholders
    assert res.records == [] and not res.problems and res.usable == 2  # one message, not a problem per row
    res = read_path(path, name="小智", author="小明")
    assert res.filled_placeholders and [r["conversation"][0]["output"] for r in res.records] == [
        "I am 小智 by 小明", "made by 小明"]
    bare = [{"instruction": "你是谁", "input": "", "output": "我是NAME，由AUTHOR开发。"}]
    assert read_path(_write(tmp_path, "lf.json", json.dumps(bare)), author="小明").needs == ["name"]


def test_question_answer_json_and_unknown_shapes(tmp_path):
    rows = [{"question": "q", "answer": "a", "system": "s"}, {"prompt": "p", "completion": "c"}, {"foo": 1}, "text"]
    res = read_path(_write(tmp_path, "qa.json", json.dumps(rows)))
    assert res.records == [_conv(("q", "a"), system="s"), _conv(("p", "c"))]
    assert [(p.index, p.code) for p in res.problems] == [(3, "unknown_shape"), (4, "not_object")]


# ---------------------------------------------------------------- tables


def test_csv_with_chinese_headers_and_an_empty_answer(tmp_path):
    text = "问题,回答\n你是谁,我是小助手\n\"有逗号, 的问题\",\"多行\n回答\"\n谁做的,\n"
    res = read_path(_write(tmp_path, "qa.csv", text))
    assert res.fmt == "csv" and res.mapping["question"] == "问题"
    assert res.records == [_conv(("你是谁", "我是小助手")), _conv(("有逗号, 的问题", "多行\n回答"))]
    [p] = res.problems
    assert str(p) == "row 4: answer is empty"  # as a spreadsheet numbers it: the header is row 1


def test_gbk_csv_is_read_and_flagged(tmp_path):
    res = read_path(_write(tmp_path, "gbk.csv", "问题,回答\n你是谁,我是小明的小助手\n", encoding="gbk"))
    assert res.records == [_conv(("你是谁", "我是小明的小助手"))]
    [note] = res.notes
    assert note.code == "gbk" and "not UTF-8" in note.message and "GBK" in note.message


def test_text_that_is_neither_utf8_nor_gbk_is_refused(tmp_path):
    res = read_path(_write(tmp_path, "bad.csv", b"question,answer\nq,\x81\x20\xff\n"))
    assert res.fatal is not None and res.fatal.code == "not_utf8" and not res.records


def test_unknown_columns_need_a_mapping(tmp_path):
    path = _write(tmp_path, "odd.csv", "col_a;col_b;col_c\nq1;a1;sys\nq2;a2;\n")
    res = read_path(path)
    assert res.needs_mapping and res.columns == ["col_a", "col_b", "col_c"] and not res.records
    res = read_path(path, mapping={"question": "col_a", "answer": "col_b", "system": "col_c", "conversation": None})
    assert res.records == [_conv(("q1", "a1"), system="sys"), _conv(("q2", "a2"))]
    res = read_path(path, mapping={"question": "nope", "answer": "col_b"})
    assert res.fatal is not None and res.fatal.code == "no_column"


def test_tsv_and_alpaca_columns(tmp_path):
    res = read_path(_write(tmp_path, "a.tsv", "instruction\tinput\toutput\n翻译\thello\t你好\n"))
    assert res.records == [_conv(("翻译\nhello", "你好"))]


def test_xlsx_via_openpyxl_and_pandas(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Question", "Answer"])
    sheet.append(["你是谁", "我是小助手"])
    sheet.append(["数字", 42])
    sheet.append([None, None])
    sheet.append(["空回答", None])
    book.save(tmp_path / "a.xlsx")
    res = read_path(tmp_path / "a.xlsx")
    assert res.fmt == "xlsx" and res.records == [_conv(("你是谁", "我是小助手")), _conv(("数字", "42"))]
    assert [str(p) for p in res.problems] == ["row 5: answer is empty"]
    pd.DataFrame({"提问": ["q"], "回复": ["a"]}).to_excel(tmp_path / "b.xlsx", index=False)
    assert read_path(tmp_path / "b.xlsx").records == [_conv(("q", "a"))]


# ---------------------------------------------------------------- files that cannot be read


def test_binary_junk_empty_and_odd_files_are_fatal(tmp_path):
    cases = {
        "junk.json": (bytes(range(256)) * 4, "binary"),
        "pic.json": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "binary"),
        "empty.json": (b"", "empty"),
        "blank.jsonl": (b"  \n\n ", "empty"),
        "old.xls": (b"\xd0\xcf\x11\xe0 whatever", "xls"),
        "fake.xlsx": (b"PK\x03\x04 not really a zip", "bad_xlsx"),
        "scalar.json": (b"42", "not_list"),
        "nothing.json": (b"[]", "no_records"),
    }
    for name, (content, code) in cases.items():
        res = read_path(_write(tmp_path, name, content))
        assert res.fatal is not None and res.fatal.code == code, name
        assert res.records == []


def test_paths_are_checked(tmp_path):
    assert read_path(tmp_path / "missing.json").fatal.code == "missing"
    assert read_path(tmp_path).fatal.code == "not_file"
    assert read_path("  ").fatal.code == "no_path"


def test_files_over_the_limit_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:  # sparse: costs no disk
        f.truncate(dataset_io.MAX_BYTES + 1)
    res = read_path(big)
    assert res.fatal.code == "too_big" and dict(res.fatal.values)["limit_mb"] == 200


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_read(tmp_path, codec):
    """With a byte-order mark (Notepad's "Unicode") or without one, in either byte order."""
    text = json.dumps([_conv(("你好", "嗨"))], ensure_ascii=False)
    res = read_path(_write(tmp_path, "u16.json", text.encode(codec)))
    assert res.records == [_conv(("你好", "嗨"))] and res.notes[0].code == "utf16"


# ---------------------------------------------------------------- export round trips

RECORDS = [
    _conv(("你是谁？", "我是小明的小助手，内在是书生·浦语")),
    _conv(("comma, \"quotes\"", "line one\nline two"), system="你是一个助手"),
    _conv(("first", "1"), ("second", "2"), ("third", "3")),
    _conv(("q", "a")),
    _conv(("q", "a")),
]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_import_gives_the_same_records(tmp_path, fmt):
    writer, _ = dataset_io.EXPORTS[fmt]
    path = _write(tmp_path, f"out.{fmt}", writer(RECORDS))
    res = read_path(path)
    assert res.records == RECORDS and not res.problems and not res.notes


def test_json_export_is_what_training_reads(tmp_path):
    assert dataset_io.to_json(RECORDS).decode("utf-8") == dataset.dumps(RECORDS)
    assert dataset_io.to_csv(RECORDS).startswith(b"\xef\xbb\xbf")  # BOM: Excel shows Chinese correctly


def test_a_large_jsonl_round_trip_keeps_every_record():
    recs = [_conv((f"问题 {i}", f"回答 {i}")) for i in range(20000)]
    res = parse_bytes(dataset_io.to_jsonl(recs), "big.jsonl")
    assert res.records == recs and res.total == 20000


# ---------------------------------------------------------------- control characters, binary files, parser reasons


def test_control_characters_are_reported_per_row_and_field(tmp_path):
    rows = [{"instruction": "ok", "output": "fine"}, {"instruction": "a\u0000b", "output": "x"},
            {"instruction": "q", "output": "bell\u0007"}, {"instruction": "tab\tand\nlines", "output": "kept"}]
    res = read_path(_write(tmp_path, "ctl.json", json.dumps(rows)))
    assert [(p.index, p.code, dict(p.values)["field"], dict(p.values)["char"]) for p in res.problems] == [
        (2, "control_char", "input", "U+0000"), (3, "control_char", "output", "U+0007")]
    assert len(res.records) == 2
    raw_nul = (b'{"conversation": [{"input": "raw\x00nul", "output": "a"}]}\n'
               b'{"conversation": [{"input": "q", "output": "a"}]}\n')
    res = read_path(_write(tmp_path, "raw.jsonl", raw_nul))  # a NUL byte inside a string: that row, not the file
    assert res.fatal is None and [(p.unit, p.index, p.code) for p in res.problems] == [("line", 1, "control_char")]
    res = read_path(_write(tmp_path, "ctl.csv", "question,answer\nq1,a1\nq\x002,a2\n"))
    assert [(p.index, p.code, dict(p.values)["field"]) for p in res.problems] == [(3, "control_char", "input")]


def test_binary_files_are_named_as_such_even_without_nul_bytes(tmp_path):
    for data in (bytes(range(1, 256)) * 16, bytes(range(128, 256)) * 32, b"\x7fELF" + bytes(500)):
        res = read_path(_write(tmp_path, "data.json", data))
        assert res.fatal.code == "binary", res.fatal
    latin1 = read_path(_write(tmp_path, "latin.csv", "question,answer\ncaf\xe9,ok\n".encode("latin-1")))
    assert (latin1.fatal.code, dict(latin1.fatal.values)) == ("not_utf8", {"line": 2})  # text, another encoding


def test_table_errors_have_a_place_and_a_reason(tmp_path):
    res = read_path(_write(tmp_path, "fake.xlsx", b"PK\x03\x04 not really a zip"))
    assert (res.fatal.code, dict(res.fatal.values)["reason"]) == ("bad_xlsx", "xlsx_zip")
    import zipfile

    with zipfile.ZipFile(tmp_path / "doc.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    res = read_path(tmp_path / "doc.xlsx")
    assert res.fatal.code == "bad_xlsx" and dict(res.fatal.values)["reason"] in ("xlsx_parts", "xlsx_other")


def test_a_scan_counts_every_problem_but_keeps_the_first_thousand():
    rows = [{"instruction": f"q{i}", "output": ""} for i in range(2500)] + [{"instruction": "q", "output": "a"}]
    res = parse_bytes(json.dumps(rows).encode(), "many.json", keep=False)
    assert (res.bad_rows, res.problem_count, len(res.problems), res.usable) == (2500, 2500, 1000, 1)
    assert len(res.snippets) == 1000
