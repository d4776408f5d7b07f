"""Home: choose the base model, check the machine, see how far the steps have come."""

from __future__ import annotations

import streamlit as st

from core import models, runs, sysinfo
from core.demo_model import make_demo_model
from ui.auth import gate
from ui.common import workspace
from ui.flash import flash, show_flash
from ui.i18n import t
from ui.keys import Home

gate()
ws = workspace()
settings = ws.settings()

st.title(t("app.title"))
st.markdown(t("home.intro"))

# ---- progress checklist
st.subheader(t("home.steps"))
done = runs.checklist(ws)
cols = st.columns(len(done))
for col, (step, ok) in zip(cols, done.items(), strict=True):
    icon = ":material/check_circle:" if ok else ":material/radio_button_unchecked:"
    col.markdown(f"{icon} **{t('step.' + step)}**")

# ---- base model
st.subheader(t("home.model"))
current = settings.get("base_model")
if current and models.check_model_dir(current) is None:
    st.success(t("home.model_selected", path=current))
else:
    st.info(t("home.no_model"))

if Home.MODEL_PATH not in st.session_state:
    st.session_state[Home.MODEL_PATH] = models.default_model(settings, ws.demo_model_dir)
path = st.text_input(t("home.model_path"), key=Home.MODEL_PATH, help=t("home.model_help"))
left, right = st.columns(2)
if left.button(t("home.use_model"), key="home.use_model", type="primary"):
    problem = models.check_model_dir(path)
    if problem:
        st.error(t(problem[0], **problem[1]))
    else:
        ws.update_settings(base_model=path.strip())
        st.rerun()
if right.button(t("home.make_demo"), key="home.make_demo"):
    with st.spinner(t("home.making_demo")):
        demo = make_demo_model(ws.demo_model_dir)
        # Recorded before any other Streamlit call: a person who leaves the page while the model
        # is being made (which stops this run at the next call) still has it chosen.
        ws.update_settings(base_model=str(demo))
    flash("success", t("home.demo_ready", path=demo))
    del st.session_state[Home.MODEL_PATH]
    st.rerun()
show_flash()  # here, under the buttons: the demo model is ready
st.caption(t("home.demo_note"))


# ---- system check
@st.cache_data(ttl=120, show_spinner=False)
def _system(root: str) -> sysinfo.SystemInfo:
    return sysinfo.collect(ws.root)


st.subheader(t("sys.title"))
if st.button(t("sys.refresh"), key="home.refresh"):
    _system.clear()
with st.spinner(t("sys.checking_gpu")):
    info = _system(str(ws.root))
hb = sysinfo.human_bytes
c1, c2, c3 = st.columns(3)
with c1:
    st.markdown(f"**{t('sys.gpu')}**")
    if info.gpus:
        for g in info.gpus:
            st.write(t("sys.gpu_line", name=g.name, free=hb(g.free), total=hb(g.total)))
        st.caption(f"CUDA {info.cuda}")
    else:
        st.write(t("sys.no_gpu"))
with c2:
    st.markdown(f"**{t('sys.ram')}**")
    st.write(t("sys.free_of", free=hb(info.ram_free), total=hb(info.ram_total)))
    st.markdown(f"**{t('sys.disk')}**")
    st.write(t("sys.free_of", free=hb(info.disk_free), total=hb(info.disk_total)))
with c3:
    st.markdown(f"**{t('sys.versions')}**")
    st.markdown("\n".join(f"- {name}: `{ver or t('sys.not_installed')}`" for name, ver in info.versions.items()
                          if ver or name != "deepspeed"))
for warning in info.warnings:
    key, _, name = warning.partition(":")
    st.warning(t(key, name=name) if name else t(key))
