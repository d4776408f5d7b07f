"""Step charts and table numbers: whole steps, short values, one point said in words, – for nothing."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from ui.charts import number


def _charts(lang: str) -> AppTest:
    def script() -> None:
        import pandas as pd
        import streamlit as st

        from ui.charts import steps_chart

        points = st.session_state["points"]
        losses = [2.0 - i / 10 for i in range(points)]
        steps_chart(pd.DataFrame({"loss": losses}, index=range(10, 10 + 10 * points, 10)))

    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["app.lang"] = lang
    return at


def test_one_point_is_said_in_words_and_two_are_drawn():
    at = _charts("zh")
    at.session_state["points"] = 1
    at.run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["第 10 步：2（有两个点后才画图）"]
    assert not at.get("vega_lite_chart")
    at.session_state["points"] = 2
    at.run()
    assert not at.caption and len(at.get("vega_lite_chart")) == 1
    x = json.loads(at.get("vega_lite_chart")[0].proto.spec)["encoding"]["x"]
    assert (x["axis"]["format"], x["title"]) == ("d", "步")  # whole steps, named in the page's language
    at.session_state["points"] = 0
    at.run()
    assert not at.caption and not at.get("vega_lite_chart")


def test_english_words():
    at = _charts("en")
    at.session_state["points"] = 1
    at.run()
    assert [c.value for c in at.caption] == ["Step 10: 2 (a chart needs two points)"]


def test_numbers_for_tables():
    assert [number(None), number(float("nan")), number(1407), number(0.123456), number(2e-4)] == [
        "–", "–", "1,407", "0.1235", "0.0002"]
