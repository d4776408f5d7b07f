"""Uploading bad files on the dataset page, in both languages: the page keeps working and says what is wrong where."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import dataset
from core.workspace import Workspace
from ui.keys import Dataset as K

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "dataset.py")


@pytest.fixture()
def page_ws(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.setenv("ASSISTANT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    return Workspace.resolve(tmp_path / "ws")


def _run(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["app.lang"] = lang
    at.run()
    assert not at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes, mime: str = "application/json") -> AppTest:
    at.file_uploader(key="dataset.upload").set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _problem_rows(at: AppTest) -> list[str]:
    rows = []
    for md in at.markdown:
        for line in md.value.splitlines():
            if line.startswith("- "):
                rows.append(re.sub(r"\\(.)", r"\1", line[2:].split(" — `", 1)[0]))
    return rows


NULLS = [{"conversation": [{"input": None, "output": "a"}]},
         {"conversation": [{"input": "q", "output": 5}]},
         {"conversation": [{"input": "ok", "output": "fine"}]},
         {"conversation": [{"input": "nul\u0000here", "output": "x"}]}]


@pytest.mark.parametrize("lang, said", [
    ("zh", ["第 1 条：input 缺失或不是文字", "第 2 条：output 缺失或不是文字",
            "第 4 条：input 的第 4 个字符是控制字符 U+0000（例如 NUL），模型不该学这种字符，请删掉它"]),
    ("en", ["record 1: input is missing or not text", "record 2: output is missing or not text",
            "record 4: input has a control character U+0000 (such as NUL) at character 4; remove it"])])
def test_an_upload_with_null_and_non_text_fields_is_explained_row_by_row(page_ws, lang, said):
    at = _upload(_run(lang), "nulls.json", json.dumps(NULLS).encode())
    assert _problem_rows(at) == said
    label = at.button(key="dataset.import_confirm").label
    assert label == ("只导入可用的 1 条" if lang == "zh" else "Keep the 1 usable row")
    summary = next(m.value for m in at.markdown if "nulls.json" in m.value)
    assert ("共 4 条，1 条可用，3 条有问题" if lang == "zh" else "4 rows, 1 usable, 3 with problems") in summary
    at.button(key="dataset.import_confirm").click().run()
    assert not at.exception
    assert at.session_state[K.GENERAL] == [NULLS[2]]
    assert at.file_uploader[0].value is None  # a fresh uploader: Streamlit's copy of the file is dropped
    assert any(("已把 1 条导入" if lang == "zh" else "Added 1 record to") in s for s in _texts(at.success))
    at.text_input(key="dataset.owner").set_value("小明").run()  # the page goes on working
    assert not at.exception


def test_a_saved_dataset_with_a_null_input_is_shown_not_a_crash(page_ws):
    page_ws.dataset_path.parent.mkdir(parents=True, exist_ok=True)
    page_ws.dataset_path.write_text(json.dumps([{"conversation": [{"input": None, "output": "a"}]}]), encoding="utf-8")
    at = _run()
    assert any("有问题，训练会失败" in e for e in _texts(at.error))
    assert "第 1 条：input 缺失或不是文字" in _problem_rows(at)


def test_a_saved_dataset_that_is_not_json_is_worded_in_chinese(page_ws):
    page_ws.dataset_path.parent.mkdir(parents=True, exist_ok=True)
    page_ws.dataset_path.write_text('[{"conversation": [{"input": "q", "output": "a}]}]', encoding="utf-8")
    at = _run()
    [said] = _problem_rows(at)
    assert said == "第 1 行第 45 列不是合法的 JSON：从这里开始的文字没有结束的双引号。"


@pytest.mark.parametrize("text, zh", [
    ('[{"instruction": "a", "output": "b"},\n {"instruction": "c", "output": "d}]',
     "第 2 行第 33 列不是合法的 JSON：从这里开始的文字没有结束的双引号。"),
    ('[{"instruction": "a", "output": b}]', "第 1 行第 33 列不是合法的 JSON：这里缺一个值（文字要加双引号）。"),
    ('[{"instruction": "a", "output": "b"},]', "第 1 行第 37 列不是合法的 JSON：最后一项后面多了一个逗号。"),
    ('[{"instruction": "a", "output": "b"}', "第 1 行第 37 列不是合法的 JSON：文件在这里突然结束（不完整）。"),
])
def test_json_syntax_errors_are_worded_in_the_pages_language_with_line_and_column(page_ws, text, zh):
    at = _upload(_run(), "broken.json", text.encode())
    [error] = [e for e in _texts(at.error) if "broken.json" in e]
    assert error == f"读不了 broken.json，当前数据没有任何改动。 {zh}"
    assert not re.search(r"[A-Za-z]{4,}", error.replace("broken.json", "").replace("JSON", ""))  # no parser English


@pytest.mark.parametrize("lang, said", [("zh", "这不是文本文件（看起来是图片）。"),
                                        ("en", "This is not a text file (it looks like an image).")])
def test_a_png_or_binary_upload_is_named_as_such(page_ws, lang, said):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16
    at = _upload(_run(lang), "photo.png", png, "image/png")
    assert any(said in e for e in _texts(at.error))
    at = _upload(_run(lang), "data.json", bytes(range(1, 256)) * 16)  # 4 KB of binary without a NUL in it
    assert any(("不是文本文件" if lang == "zh" else "not a text file") in e for e in _texts(at.error))


def test_removing_the_upload_drops_its_import(page_ws):
    at = _upload(_run(), "nulls.json", json.dumps(NULLS).encode())
    assert at.session_state[K.PENDING]
    at.file_uploader(key="dataset.upload").set_value(None).run()
    assert not at.exception
    assert K.PENDING not in at.session_state
    assert not any(b.key == "dataset.import_confirm" for b in at.button)


IDENTITY = [{"instruction": "你是谁", "input": "", "output": "我是NAME，由AUTHOR开发的人工智能助手。"},
            {"instruction": "who are you", "input": "", "output": "I am NAME, made by AUTHOR."}]


def test_an_identity_file_asks_for_the_name_and_is_read_again_when_it_is_typed(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    _upload(at, "identity.json", json.dumps(IDENTITY, ensure_ascii=False).encode())
    [ask] = [w for w in _texts(at.warning) if "身份文件" in w]
    assert "小助手的名字" in ask and "主人的名字" not in ask and "{" not in ask.replace("{{name}}", "")
    assert at.button(key="dataset.import_confirm").disabled
    assert not _problem_rows(at)  # one message, not a problem per row
    at.text_input(key="dataset.name").set_value("小智").run()
    assert not at.exception
    assert not any("身份文件" in w for w in _texts(at.warning))
    [note] = [i for i in _texts(at.info) if "身份文件" in i]
    assert "小助手的名字「小智」" in note and "主人的名字「小明」" in note
    assert at.radio(key="dataset.import_target").value == "qa"
    at.button(key="dataset.import_confirm").click().run()
    assert not at.exception
    at.number_input(key="dataset.repeat").set_value(1).run()
    at.button(key="dataset.save").click().run()
    outputs = [r["conversation"][0]["output"] for r in dataset.load(page_ws.dataset_path)]
    assert outputs[-2:] == ["我是小智，由小明开发的人工智能助手。", "I am 小智, made by 小明."]


def test_english_counts_are_singular_for_one(page_ws):
    one = [{"conversation": [{"input": "q", "output": "a"}]}]
    at = _upload(_run("en"), "one.json", json.dumps(one).encode())
    assert at.button(key="dataset.import_confirm").label == "Add 1 record"
    assert any("1 row, 1 usable, 0 with problems" in m.value for m in at.markdown)


def test_the_uploader_takes_any_file_and_words_its_limit_in_chinese(page_ws):
    at = _run()
    assert at.file_uploader(key="dataset.upload").allowed_type == []  # our reader names a wrong file, not Streamlit
    [css] = [h.proto.body for h in at.get("html") if "stFileUploaderDropzoneInstructions" in h.proto.body]
    assert 'content: "每个文件最大 200 MB"' in css and "display: none" not in css  # Streamlit's line stays in the page
    assert not any("stFileUploaderDropzoneInstructions" in h.proto.body for h in _run("en").get("html"))
