"""The optional password gate (env var or Streamlit secrets, compared in constant time).

Called by app.py and again at the top of every page: with a ``pages/`` folder, Streamlit
can run a page script straight from its URL on the first visit after a server start
(its old multipage mode), so each page guards itself too.
"""

from __future__ import annotations

import hmac
import os
import sys

import streamlit as st

from ui.i18n import t
from ui.keys import App

PASSWORD_ENV = "ASSISTANT_STUDIO_PASSWORD"


def configured_password() -> str | None:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    try:
        secret = st.secrets.get("password")
    except Exception:  # no secrets file: no password
        secret = None
    return str(secret) if secret else None


def _leave_old_multipage_mode(rerun: bool) -> None:
    """Run through app.py even on the first visit after a server start.

    With a ``pages/`` folder next to app.py, Streamlit starts in its old multipage mode
    until the first ``st.navigation`` call; a first visit straight to a page URL would run
    that page alone (its own sidebar links, no language switch, no app shell). Leaving
    that mode and rerunning makes app.py run first, as on every other visit.

    Whether this run is such a run is read from the call stack (is the app's main script
    running around this page?), not from Streamlit's flag alone: the flag is shared by all
    sessions, so when two browser tabs reconnect at once after a restart, the first one to
    run flips it and the second would otherwise stay in the old mode.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without it has no old mode to leave
        return
    PagesManager.uses_pages_directory = False
    if rerun and not _main_script_is_running():
        st.rerun()


def _main_script_is_running() -> bool:
    """True when the session's main script (app.py) is on this thread's call stack."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:  # not inside a Streamlit run: nothing to rerun
        return True
    main = os.path.realpath(ctx.main_script_path)
    frame = sys._getframe(1)
    while frame is not None:
        if os.path.realpath(frame.f_code.co_filename) == main:
            return True
        frame = frame.f_back
    return False


def gate(in_app: bool = False) -> None:
    """With a password configured, show nothing of the app until it is given.

    ``in_app``: called from app.py itself, which needs no rerun to take over.
    """
    _leave_old_multipage_mode(rerun=not in_app)
    expected = configured_password()
    if not expected or st.session_state.get(App.AUTHED):
        return
    st.title(t("app.title"))
    st.write(t("app.login_help"))
    with st.form("login"):
        given = st.text_input(t("app.password"), type="password", key="login.password")
        if st.form_submit_button(t("app.login"), key="app.login"):
            if hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
                st.session_state[App.AUTHED] = True
                st.rerun()
            st.error(t("app.wrong_password"))
    # No page links before login, in any mode: a hidden navigation holding only this screen.
    st.navigation([st.Page(_login_screen, title=t("app.login"), default=True)], position="hidden")
    st.stop()


def _login_screen() -> None:
    """The (empty) page behind the login form; the form itself is drawn by gate()."""
