"""Train page: the one-click retry of a failed run (core.retry), and the opt-in to retry by itself."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import jobs, retry, sysinfo
from core.workspace import Workspace
from ui.flash import flash
from ui.i18n import t


def offer(ws: Workspace, run_dir: Path, *, busy: bool) -> None:
    """Under a failed run: what to try next, in words, and a button that starts it."""
    suggestion = retry.suggest(run_dir)
    if suggestion is None:
        return
    if suggestion.kind == "recipe":
        r = suggestion.recipe
        st.info(t("retry.recipe", recipe=r.key, mb=r.micro_batch, accum=r.accumulation(),
                  need=sysinfo.human_bytes(suggestion.estimate)))
    else:
        st.info(t("retry.workers"))
    if st.button(t("retry.start"), key="train.retry", type="primary", disabled=busy):
        try:
            new = retry.retry(ws, run_dir, suggestion)
        except jobs.JobError as exc:
            st.error(t("retry.failed", reason=str(exc)))
        else:
            flash("success", t("train.started", name=new.name))
            st.rerun()


def opt_in() -> bool:
    """The start form's checkbox: retry by itself after out of memory or dead tokenizing processes."""
    return st.checkbox(t("retry.auto"), key="train.auto_retry", help=t("retry.auto_help"))
