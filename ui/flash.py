"""The one way to show a message after a rerun: an action calls ``flash(kind, text)`` before
``st.rerun()``; the page calls ``show_flash()`` where such messages appear (near its top)."""

from __future__ import annotations

import streamlit as st

from ui.keys import App

KINDS = ("success", "info", "warning", "error")


def flash(kind: str, text: str) -> None:
    """Keep ``text`` to show once, as ``st.<kind>``, on the page's next run."""
    if kind not in KINDS:
        raise ValueError(f"flash kind {kind!r} is not one of {KINDS}")
    st.session_state[App.FLASH] = (kind, text)


def show_flash() -> None:
    """Show the message kept by :func:`flash`, once."""
    pending = st.session_state.pop(App.FLASH, None)
    if pending:
        kind, text = pending
        getattr(st, kind)(text)
