"""Every page, in Chinese and in English, speaks the page's language: no ``None``, no English
widget label in the Chinese UI, no Chinese in the English UI's own words.

The pages are walked headlessly (AppTest) on a fresh workspace, on the session's trained
workspace (history, charts, convert, chat and its scorecard; read only), and on a workspace
whose training was stopped before its first step (a history row with no loss yet). Every
element's own words are read from what Streamlit would send to the browser: labels, help,
options, markdown, alerts, metrics, table headers and cells. Code blocks (logs, commands,
config text) and what people typed are data, not the UI's words, and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from core import chat, config, dataset, jobs, runs
from core.workspace import ENV_VAR, Workspace
from tests.conftest import OWNER
from ui.i18n import LANGS
from ui.keys import Chat as K

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("app.py", "pages/home.py", "pages/dataset.py", "pages/config.py", "pages/train.py", "pages/convert.py",
         "pages/chat.py")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
NONE = re.compile(r"\bNone\b|\bnan\b|\bNaN\b")
# Widget labels that are names, the same in every language (products, methods, units, file kinds).
NAMES = re.compile(r"^(GPU|CPU|LoRA [a-z]+|DeepSpeed|Slurm|SDPA|XTuner|[A-Za-z_]+\.(py|json)|#)$")
TEXT_KEYS = ("body", "label", "help", "placeholder", "options")  # a widget's value is the person's data
DATA_TYPES = {"code", "json", "text_area", "chat_input"}  # their text is data (logs, commands, config)
# Chinese on purpose in the English UI: the language picker names each language in its own words,
# the Chinese description field's example is Chinese, example questions are asked in both languages.
BILINGUAL = (*LANGS.values(), "语言", "内在是上海AI实验室书生·浦语的1.8B大模型", *chat.EXAMPLE_QUESTIONS)


def _nodes(node) -> Iterator:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _nodes(child)


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def words(at: AppTest) -> tuple[list[str], list[str], list[str]]:
    """(every text the page shows as its own, the labels of its widgets, table cells).

    Table cells are mostly people's data (questions, answers, run names): checked for ``None``
    and missing values, not for their language; a table's headers are the page's words."""
    texts, labels, cells = [], [], []
    for node in _nodes(at._tree):
        if node.type in DATA_TYPES:
            continue
        if node.type in ("dataframe", "arrow_data_frame", "table") and isinstance(getattr(node, "value", None),
                                                                                  pd.DataFrame):
            frame = node.value
            texts += [str(c) for c in frame.columns]
            values = frame.astype(object).to_numpy().ravel()
            cells += ["None" for v in values if v is None or (isinstance(v, float) and v != v)]
            cells += [v for v in values if isinstance(v, str)]
            continue
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        found = MessageToDict(proto)
        for key in TEXT_KEYS:
            texts += list(_strings(found.get(key)))
        if node.type == "metric":
            texts += [node.label, node.value]
        if isinstance(found.get("label"), str) and node.type not in ("markdown", "metric"):
            labels.append(found["label"])
    return texts, labels, cells


def check(at: AppTest, lang: str, where: str, data: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with the page's words, each with the page and the text."""
    assert not at.exception, f"{where}: {at.exception}"
    texts, labels, cells = words(at)
    bad = [f"{where}: None in {text!r}" for text in texts if NONE.search(text)]
    bad += [f"{where}: a table cell shows {cell!r}" for cell in cells if cell.strip() in ("None", "nan", "NaN")]
    if lang == "zh":
        bad += [f"{where}: English label {label!r}" for label in labels
                if label.strip() and not CJK.search(label) and not NAMES.match(label.strip())
                and label not in chat.EXAMPLE_QUESTIONS]
    else:
        for text in texts:
            own = re.sub(r"\\(.)", r"\1", text)  # markdown escapes (model text is shown escaped)
            for value in (*data, *BILINGUAL):  # people's data (the owner, their questions and answers) may be Chinese
                own = own.replace(value, "")
            if CJK.search(own):
                bad.append(f"{where}: Chinese in the English UI: {text!r}")
    return bad


def walk(ws: Workspace, lang: str, monkeypatch, data: tuple[str, ...] = (), scorecard: bool = False) -> list[str]:
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    bad: list[str] = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / page), default_timeout=300)
        at.session_state["app.lang"] = lang
        at.session_state[K.MAX_NEW_TOKENS] = 24
        at.run()
        bad += check(at, lang, page, data)
        if page == "pages/chat.py" and scorecard:
            at.segmented_control(key=K.VIEW).set_value("scorecard").run()
            at.button(key=K.SC_RUN).click().run()
            assert at.metric, f"{lang}: the scorecard did not run"
            bad += check(at, lang, "chat scorecard", data)
    return bad


def _data_of(ws: Workspace) -> tuple[str, ...]:
    """People's own words in a workspace: every question and answer of its dataset, the owner."""
    values = {OWNER, "小明"}
    if ws.dataset_path.is_file():
        for rec in dataset.load(ws.dataset_path):
            for turn in rec["conversation"]:
                values.update(v for v in (turn.get("input"), turn.get("output")) if v)
    return tuple(sorted(values, key=len, reverse=True))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_fresh_workspace_speaks_the_pages_language(ws, lang, monkeypatch):
    assert walk(ws, lang, monkeypatch) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_trained_workspace_speaks_the_pages_language(trained_ws, lang, monkeypatch):
    assert walk(trained_ws, lang, monkeypatch, _data_of(trained_ws), scorecard=True) == []


def test_a_run_stopped_before_its_first_step_shows_dashes_not_none(ws, demo_model, monkeypatch):
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=20))
    cfg_path = ws.configs_dir / "c.py"
    cfg_path.write_text(config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True), "utf-8")
    ws.update_settings(config=str(cfg_path))
    run_dir = runs.start_training(ws, cfg_path, seed=0)
    jobs.stop(run_dir, grace=5)
    assert not jobs.status(run_dir).active
    for lang in ("zh", "en"):
        assert walk(ws, lang, monkeypatch, _data_of(ws)) == []
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=300).run()
    history = at.dataframe[0].value
    assert list(history.iloc[0][["最终损失", "步数"]]) == ["–", "–"], history
