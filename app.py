"""Assistant Studio: page setup, language, optional password, navigation over pages/.

Run with ``./run.sh`` (or ``streamlit run app.py -- --workspace DIR``).
"""

from __future__ import annotations

import streamlit as st

from ui.auth import gate
from ui.common import workspace
from ui.i18n import LANGS, t
from ui.keys import App

st.set_page_config(page_title="Assistant Studio", page_icon=":material/smart_toy:", layout="wide")


ws = workspace()
current_lang = st.session_state.get(App.LANG) or ws.settings().get("lang", "zh")
st.session_state[App.LANG] = current_lang
with st.sidebar:
    options = list(LANGS)
    chosen = st.selectbox(t("app.language"), options, index=options.index(current_lang), format_func=LANGS.get,
                          key="app.lang_select")
if chosen != current_lang:
    st.session_state[App.LANG] = chosen
    ws.update_settings(lang=chosen)
    st.rerun()

gate(in_app=True)

PAGES = [
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/dataset.py", title=t("nav.dataset"), icon=":material/dataset:"),
    st.Page("pages/config.py", title=t("nav.config"), icon=":material/tune:"),
    st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
    st.Page("pages/convert.py", title=t("nav.convert"), icon=":material/merge:"),
    st.Page("pages/chat.py", title=t("nav.chat"), icon=":material/forum:"),
]
nav = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"{t('app.workspace')}: `{ws.root}`")
nav.run()
