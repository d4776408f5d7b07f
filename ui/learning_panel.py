"""Show the learning check: the verdict on a finished run or a merged model, and the step advice."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import jobs, learning, samples
from ui.i18n import t

SHOWN = 60  # characters of an answer quoted in the verdict (an untrained model babbles for pages)


def _names(names: learning.Names) -> str:
    if names.assistant:
        return t("learning.owner_and_name", a=names.owner, b=names.assistant)
    return t("learning.owner_only", a=names.owner)


def verdict(v: learning.Verdict | None, where: str) -> None:
    """Green only when learnt; otherwise a warning quoting the answer, and the next step.
    ``where``: "train" (the last sample answers) or "convert" (the merged model)."""
    if v is None:
        return
    if v.names is None:
        st.info(t("learning.no_names"), icon=":material/help:")
        return
    q, a = (v.answers if v.learnt else v.missed)[0]
    quoted = samples.say_undecodable(a[:SHOWN], t("train.sample_undecodable")) + ("…" if len(a) > SHOWN else "")
    values = {"q": q, "a": quoted, "names": _names(v.names)}
    if v.learnt:
        st.success(t(f"learning.learnt.{where}", **values), icon=":material/school:")
    else:
        st.warning(t(f"learning.not_learnt.{where}", **values) + "\n\n" + t("learning.next"), icon=":material/warning:")


def finished_run(run_dir: Path, state: str) -> None:
    """The train page's end: the verdict on a succeeded run's last sample answers."""
    if state == jobs.SUCCEEDED:
        verdict(learning.judge_run(Path(run_dir)), "train")


def merged_model(run_dir: Path, answers: list[tuple[str, str]]) -> None:
    """Convert's verify step: it loads; whether it learnt; its answers one click away."""
    st.info(t("learning.loads"), icon=":material/check:")
    verdict(learning.judge_answers(Path(run_dir), answers), "convert")
    with st.expander(t("learning.answers")):
        for q, a in answers:
            st.markdown(f"**{q}**")
            st.code(a or " ", language=None, wrap_lines=True)


def advice(model: str | Path | None, total_steps: int) -> None:
    """What is known of whether the planned steps teach the chosen model its identity."""
    a = learning.advice(model, total_steps)
    (st.warning if a.warn else st.info)(t(a.key, **a.values), icon=":material/school:")
