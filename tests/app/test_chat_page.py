"""The chat compare page, headless: both sides answer, streamed; errors stay on the page.

Uses the session's trained demo run (the ``trained`` fixture of tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.workspace import ENV_VAR, Workspace
from tests.e2e.chat_run import NAME, QUESTION, expected_answer
from ui.keys import Chat as K

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "chat.py")


@pytest.fixture()
def page(trained, monkeypatch) -> AppTest:
    ws, _ = trained
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state[K.MAX_NEW_TOKENS] = 96
    return at.run()


def _answers(at: AppTest) -> list[str]:
    """Texts of the assistant bubbles, in page order (before side first)."""
    return [m.markdown[0].value for m in at.chat_message if m.name == "assistant" and len(m.markdown)]


def test_both_sides_answer_and_only_after_knows_who_it_is(page, trained):
    at = page
    assert not at.exception
    _, run_dir = trained
    assert at.selectbox(key=K.AFTER).value == f"{run_dir.name}/adapter"  # the newest run, base + adapter
    assert at.selectbox(key=K.TEMPLATE).value == "internlm2_chat"
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    users = [m.markdown[0].value for m in at.chat_message if m.name == "user"]
    assert users == [QUESTION, QUESTION]
    before, after = _answers(at)
    assert expected_answer() in after
    assert NAME not in before and before.strip()
    # Speed is shown under each answer.
    assert sum("token" in c.value for c in at.caption) >= 2
    # The conversation stays after a rerun; a second question continues each side's own history.
    at.run()
    assert _answers(at) == [before, after]
    at.chat_input[0].set_value("你好").run()
    assert not at.exception
    answers = _answers(at)
    assert len(answers) == 4 and answers[0] == before and answers[2] == after
    at.button(key=K.CLEAR).click().run()
    assert _answers(at) == []


def test_merged_model_and_example_question(page, trained):
    at = page
    at.selectbox(key=K.AFTER).set_value(f"{trained[1].name}/merged").run()
    assert not at.exception
    at.button(key=K.EXAMPLE.format(i=0)).click().run()
    assert not at.exception
    before, after = _answers(at)
    assert expected_answer() in after and NAME not in before


def test_models_own_chat_template(page):
    at = page
    at.selectbox(key=K.TEMPLATE).set_value("").run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception and not at.error
    assert len(_answers(at)) == 2


def test_missing_folder_is_an_error_and_the_other_side_still_answers(page, tmp_path):
    at = page
    at.selectbox(key=K.BEFORE).set_value("folder").run()
    at.text_input(key=K.BEFORE_PATH).set_value(str(tmp_path / "no-such-model")).run()
    assert not at.exception
    assert any("no-such-model" in e.value for e in at.error)
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    assert [expected_answer() in a for a in _answers(at)] == [True]


def test_scorecard_runs_and_exports(page):
    at = page
    at.segmented_control(key=K.VIEW).set_value("scorecard").run()
    assert not at.exception
    assert at.text_input(key=K.SC_NAMES).value == NAME
    at.text_area(key=K.SC_IDENTITY).set_value(QUESTION)  # a question the run was trained on: must hit
    at.text_area(key=K.SC_GENERAL).set_value("上海有哪些好玩的景点？").run()
    at.button(key=K.SC_RUN).click().run()
    assert not at.exception
    values = [m.value for m in at.metric]
    assert values[:2] == ["0%", "100%"]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2


def test_empty_workspace_explains_what_to_do(tmp_path, monkeypatch):
    ws = Workspace.resolve(tmp_path / "empty")
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert at.info and at.selectbox(key=K.AFTER).value == "folder"
    at.chat_input[0].set_value("你好").run()
    assert not at.exception
    assert len(at.warning) >= 2  # each side asks for a model instead of failing
