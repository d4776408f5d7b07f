"""ui.flash: a message kept before a rerun is shown once, of its kind, where the page shows it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _page() -> AppTest:
    def script() -> None:
        import streamlit as st

        from ui.flash import flash, show_flash

        st.title("page")
        show_flash()
        if st.button("act", key="probe.act"):
            flash(st.session_state.get("probe.kind", "success"), "done: 3 records")
            st.rerun()

    return AppTest.from_function(script, default_timeout=60)


@pytest.mark.parametrize("kind", ["success", "info", "warning", "error"])
def test_a_flashed_message_shows_once_after_the_rerun_with_its_kind(kind):
    at = _page()
    at.session_state["probe.kind"] = kind
    at.run()
    assert not at.exception and not at.get(kind)
    at.button(key="probe.act").click().run()
    assert not at.exception
    assert [e.value for e in at.get(kind)] == ["done: 3 records"]
    at.run()
    assert not at.get(kind)  # once only


def test_an_unknown_kind_is_refused_when_flashed():
    from ui.flash import flash

    with pytest.raises(ValueError, match="balloons"):
        flash("balloons", "done")
