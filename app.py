"""Assistant Studio: page setup, language, optional password, navigation over pages/.

Run with ``./run.sh`` (or ``streamlit run app.py -- --workspace DIR``).
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.auth import gate
from ui.common import workspace
from ui.i18n import LANGS, t

st.set_page_config(page_title="Assistant Studio", page_icon=":material/smart_toy:", layout="wide")


ws = workspace()
if state.LANG not in st.session_state:
    st.session_state[state.LANG] = ws.settings().get("lang", "zh")

with st.sidebar:
    chosen = st.selectbox(t("app.language"), list(LANGS), format_func=LANGS.get, key=state.LANG)
    if ws.settings().get("lang") != chosen:
        ws.update_settings(lang=chosen)

gate()

PAGES = [
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/config.py", title=t("nav.config"), icon=":material/tune:"),
    st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
    st.Page("pages/convert.py", title=t("nav.convert"), icon=":material/merge:"),
]
nav = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"{t('app.workspace')}: `{ws.root}`")
nav.run()
