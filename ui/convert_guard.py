"""Convert & merge: a checkpoint of a training that is still running is marked, and converting
one asks first (it is a half-trained model)."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t


def mark(name: str, running: bool) -> str:
    """A run's or checkpoint's name, with "(still training)" while its training runs."""
    return name + t("convert.running_mark") if running else name


def confirmed(run_name: str, running: bool) -> bool:
    """True when converting may go ahead: always for an ended training; for a running one, once the
    person has ticked that they know (one tick per run)."""
    if not running:
        return True
    st.warning(t("convert.running_warn"))
    return st.checkbox(t("convert.running_confirm"), key=f"convert.running_confirm.{run_name}")
