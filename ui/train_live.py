"""The train page's live parts: preparation phase, charts and sample answers, cheap to redraw.

They are redrawn every refresh of the live fragment, so nothing here builds an Altair chart
(``st.line_chart`` costs about 0.2 s of CPU per chart through Altair's schema checks): the
charts are small Vega-Lite specs of at most :data:`MAX_POINTS` points each.
"""

from __future__ import annotations

import re

import streamlit as st

from core import preparation, samples
from core.preparation import Phase
from ui.i18n import t

MAX_POINTS = 600
CHARTS = ("loss", "lr", "grad_norm")
SHOWN_ITERATIONS = 6
ANSWER_CHARS = 240  # of each sample answer shown as an answer: a babbling model's fill pages
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


def phase_text(phase: Phase) -> str:
    """The preparation phase in words, with the latest progress bar's share when there is one."""
    name, n = phase.name, phase.records if phase.name in (preparation.TOKENIZE, preparation.PACK) else phase.samples
    if name in (preparation.TOKENIZE, preparation.PACK, preparation.FIRST_STEPS, preparation.SAMPLES) and n is None:
        return t("train.preparing")
    text = t(f"train.phase.{name}", n=f"{n:,}") if n is not None else t(f"train.phase.{name}")
    if phase.fraction is not None and name != preparation.FIRST_STEPS:
        text = t("train.phase.fraction", text=text, pct=round(phase.fraction * 100))
    return text


def preparing(phase: Phase) -> None:
    st.progress(phase.fraction or 0.0, text=phase_text(phase))


def _points(rows: list[dict], name: str) -> list[dict]:
    points = [{"iter": r["iter"], "v": r[name]} for r in rows
              if isinstance(r.get(name), (int, float)) and isinstance(r.get("iter"), (int, float))]
    if len(points) > MAX_POINTS:
        step = -(-len(points) // MAX_POINTS)
        points = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    return points


def chart_spec(rows: list[dict], name: str, resumed_at: list[int] | tuple[int, ...] = ()) -> dict | None:
    """A Vega-Lite line chart of column ``name`` against the iteration, with a dashed rule at each
    step the run was resumed from; None without values."""
    points = _points(rows, name)
    if not points:
        return None
    x = {"field": "iter", "type": "quantitative", "title": t("train.axis_iter"),
         "axis": {"format": "d", "tickMinStep": 1}}
    line = {
        "data": {"values": points},
        "mark": {"type": "line", "point": len(points) == 1, "tooltip": True},
        "encoding": {"x": x, "y": {"field": "v", "type": "quantitative", "title": None, "scale": {"zero": False}}},
    }
    if not resumed_at:
        return {**line, "height": 200}
    rules = {"data": {"values": [{"iter": i} for i in resumed_at]},
             "mark": {"type": "rule", "strokeDash": [4, 4], "color": "gray"}, "encoding": {"x": x}}
    return {"layer": [line, rules], "height": 200}


def charts(rows: list[dict], resumed_at: list[int] | tuple[int, ...] = ()) -> None:
    """Loss, learning rate and gradient norm by iteration; a note and a rule where the run was resumed."""
    if not rows:
        return
    if resumed_at:
        st.caption(t("run.resumed_at", steps=t("run.steps_sep").join(str(s) for s in resumed_at)))
    for col, name in zip(st.columns(len(CHARTS)), CHARTS, strict=True):
        spec = chart_spec(rows, name, resumed_at)
        if spec:
            col.caption({"loss": t("train.chart.loss"), "lr": t("train.chart.lr"),
                         "grad_norm": t("train.chart.grad_norm")}[name])
            col.vega_lite_chart(spec, width="stretch")


def _md(text: str) -> str:
    """Model text shown as plain text inside markdown (its own markup characters escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def _answer(sample: samples.Sample) -> str:
    """The answer in words, cut at :data:`ANSWER_CHARS` (the raw tab has it whole)."""
    text = sample.answer.strip()
    cut = len(text) > ANSWER_CHARS
    answer = samples.say_undecodable(text[:ANSWER_CHARS], t("train.sample_undecodable")).strip()
    return (answer + ("…" if cut else "")) or t("train.sample_empty")


def sample_answers(found: list[samples.Sample]) -> None:
    """The latest iterations' sample answers as question and answer; XTuner's raw text in a second tab."""
    with st.expander(t("train.samples"), expanded=bool(found)):
        st.caption(t("train.samples_help"))
        if not found:
            st.write(t("train.no_samples"))
            return
        iterations = sorted({s.iteration for s in found})[-SHOWN_ITERATIONS:][::-1]
        shown = [[s for s in found if s.iteration == it] for it in iterations]
        answers, raw = st.tabs([t("train.sample_view"), t("train.sample_raw")])
        with answers:
            if any("\ufffd" in s.answer for group in shown for s in group):
                st.caption(t("train.sample_undecodable_note"))
            for it, group in zip(iterations, shown, strict=True):
                lines = [f"**{t('train.sample_at', i=it + 1)}**"]
                for s in group:
                    if s.question:
                        lines.append(t('train.sample_q') + _md(s.question))
                    lines.append(t('train.sample_a') + _md(_answer(s)))
                st.markdown("  \n".join(lines))
        with raw:
            for it, group in zip(iterations, shown, strict=True):
                st.markdown(f"**{t('train.sample_at', i=it + 1)}**")
                st.code("\n\n".join(s.raw for s in group), language=None, wrap_lines=True)
