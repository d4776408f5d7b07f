"""The Train page's run viewer: it follows the run the person acted on, says how that run ended
and what comes next, and draws its charts from step 0 with the resume points marked."""

from __future__ import annotations

import streamlit as st

from core import jobs, run_outcome
from ui.i18n import t
from ui.keys import Train as K


def follow(name: str) -> None:
    """Show run ``name`` in the viewer on the next render, whatever was picked before."""
    st.session_state[K.FOLLOW] = name


def watching(active_name: str | None) -> None:
    """Call on every render with the running training's name (None when none runs): a training
    that starts, or that ends while this tab shows it, becomes the viewer's run."""
    seen = st.session_state.get(K.WATCHING)
    if active_name != seen:
        follow(active_name or seen)
        st.session_state[K.WATCHING] = active_name


def pick(names: list[str]) -> str:
    """The viewer's selectbox (newest first), on the followed run when there is one."""
    wanted = st.session_state.pop(K.FOLLOW, None)
    if wanted in names:
        st.session_state[K.OPEN] = wanted
    elif st.session_state.get(K.OPEN) not in names:
        st.session_state.pop(K.OPEN, None)  # deleted meanwhile: back to the newest
    return st.selectbox(t("train.open"), names, key=K.OPEN)


def end_state(result: run_outcome.Outcome) -> None:
    """How the run ended, in words, and the next action."""
    i, n = result.step, result.total
    if result.state == jobs.SUCCEEDED:
        st.success(t("run.end.succeeded", n=n) if n else t("run.end.succeeded_plain"))
    elif result.state == jobs.STOPPED:
        st.info(t("run.end.stopped", i=i, n=n) if i and n else t("run.end.stopped_early"))
    elif result.state == jobs.FAILED:
        st.error(t("run.end.failed", i=i, n=n) if i and n else t("run.end.failed_early"))
    else:
        return
    first = t("run.next.fix_first") + " " if result.state == jobs.FAILED else ""
    if result.next == run_outcome.CONVERT:
        st.markdown(t("run.next.convert"))
    elif result.next == run_outcome.RESUME:
        st.markdown(first + t("run.next.resume", ckpt=result.checkpoint.name,
                                at=run_outcome.iteration_of(result.checkpoint)))
    elif result.next == run_outcome.RESTART:
        st.markdown(first + t("run.next.restart"))
