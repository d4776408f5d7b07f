"""Assistant Studio: page setup, language, optional password, navigation over pages/.

Run with ``./run.sh`` (or ``streamlit run app.py -- --workspace DIR``).
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

from ui import state
from ui.common import workspace
from ui.i18n import LANGS, t

PASSWORD_ENV = "ASSISTANT_STUDIO_PASSWORD"

st.set_page_config(page_title="Assistant Studio", page_icon=":material/smart_toy:", layout="wide")


def _configured_password() -> str | None:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    try:
        secret = st.secrets.get("password")
    except Exception:  # no secrets file: no password
        secret = None
    return str(secret) if secret else None


def _login_gate() -> None:
    """With a password configured, show nothing of the app until it is given."""
    expected = _configured_password()
    if not expected or st.session_state.get(state.AUTHED):
        return
    st.title(t("app.title"))
    st.write(t("app.login_help"))
    with st.form("login"):
        given = st.text_input(t("app.password"), type="password", key="login.password")
        if st.form_submit_button(t("app.login")):
            if hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
                st.session_state[state.AUTHED] = True
                st.rerun()
            st.error(t("app.wrong_password"))
    st.stop()


ws = workspace()
if state.LANG not in st.session_state:
    st.session_state[state.LANG] = ws.settings().get("lang", "zh")

with st.sidebar:
    chosen = st.selectbox(t("app.language"), list(LANGS), format_func=LANGS.get, key=state.LANG)
    if ws.settings().get("lang") != chosen:
        ws.update_settings(lang=chosen)

_login_gate()

PAGES = [
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
]
nav = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"{t('app.workspace')}: `{ws.root}`")
nav.run()
