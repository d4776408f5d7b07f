"""Charts of values per training step, and table cells, with numbers people read.

Streamlit's ``line_chart`` labels its axes with raw floats: a run with one logged step got an
x axis of 「10.000000」. Here the step axis counts in whole steps, values are written short, and a
series of one point is said in words (「第 10 步：1.234」) instead of drawn as a lone dot. Missing
table values show as 「–」, never as ``None``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n import t

MISSING = "–"


def number(value: float | None, digits: int = 4) -> str:
    """A value for a table cell or a sentence: short (``1.234``, ``0.0002``), 「–」 when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    return f"{value:,}" if isinstance(value, int) else f"{value:.{digits}g}"


def steps_chart(data: pd.DataFrame | pd.Series, height: int = 200, where: Any = st) -> None:
    """Values per step (index: the step; one column per series) as a line chart with whole steps on
    its axis; a single point as a sentence; nothing when there is no value."""
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    long = (frame.rename_axis("step").reset_index().melt("step", var_name="series", value_name="value")
            .dropna(subset=["value"]))
    if long.empty:
        return
    if long["step"].nunique() < 2:
        where.caption("; ".join(t("chart.one_point", step=int(r.step), value=number(r.value))
                                for r in long.itertuples()))
        return
    chart = alt.Chart(long).mark_line().encode(
        x=alt.X("step:Q", title=t("chart.step"), axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format="~g")),
        tooltip=[alt.Tooltip("step:Q", title=t("chart.step"), format="d"),
                 alt.Tooltip("value:Q", title=t("chart.value"), format=".4~g")])
    if frame.shape[1] > 1:
        chart = chart.encode(color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")))
    where.altair_chart(chart.properties(height=height), width="stretch")
