"""Dataset: say who the assistant is, build a dataset that teaches it without overfitting, save it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import dataset, dataset_build, general_library, identity, plan, runs
from core import dataset_stats as dstats
from core.dataset import Problem
from ui import dataset_check, dataset_save
from ui.auth import gate
from ui.common import workspace
from ui.dataset_import import import_panel
from ui.dataset_state import add_rows, editor_key, follow_form, form, set_rows, start
from ui.dataset_widgets import counted, labeled, problems_table
from ui.flash import flash, show_flash
from ui.i18n import t
from ui.keys import Dataset as K

gate()
ws = workspace()
start(ws.dataset_path)  # the builder state of this session (from disk at its start)

st.title(t("dataset.title"))
st.markdown(t("dataset.intro"))
show_flash()

# ---------------------------------------------------------------- 1. who the assistant is
st.subheader(t("dataset.who"))
c1, c2 = st.columns(2)
c1.text_input(t("dataset.owner"), **form(K.OWNER), placeholder=t("dataset.owner_ph"),
              help=t("dataset.owner_help"))
c2.text_input(t("dataset.name"), **form(K.NAME), placeholder=t("dataset.name_ph"), help=t("dataset.name_help"))
c1.text_input(t("dataset.desc_zh"), **form(K.DESC_ZH), placeholder="内在是上海AI实验室书生·浦语的1.8B大模型")
c2.text_input(t("dataset.desc_en"), **form(K.DESC_EN), placeholder="built on Shanghai AI Lab's InternLM2 1.8B")
st.radio(t("dataset.langs"), ["zh", "en", "both"], **form(K.LANGS), horizontal=True,
         format_func=labeled("dataset.lang"))
ident = identity.Identity(*(st.session_state[k] for k in (K.OWNER, K.NAME, K.DESC_ZH, K.DESC_EN, K.LANGS))).clean()

# ---------------------------------------------------------------- 2. identity questions
st.subheader(t("dataset.questions"))
mode = st.radio(t("dataset.mode"), ["builder", "tutorial"], **form(K.MODE), horizontal=True,
                format_func=labeled("dataset.mode"))
rows: list[dict[str, str]] = []
row_problems: list[Problem] = []
if not ident.owner:
    st.info(t("dataset.need_owner"), icon=":material/person:")
elif mode == "tutorial":
    left, right = st.columns([1, 2])
    left.number_input(t("dataset.tutorial_n"), min_value=1, max_value=100_000, step=1000, **form(K.TUTORIAL_N))
    right.warning(t("dataset.tutorial_warning"), icon=":material/warning:")
    st.caption(t("dataset.tutorial_pairs"))
    st.table(pd.DataFrame(dataset.tutorial_pairs(ident.owner),
                          columns=[t("dataset.col.question"), t("dataset.col.answer")]))
else:
    follow_form(ident)
    st.caption(t("dataset.editor_help", n=identity.library_size(ident.langs)))
    if st.session_state.get(K.ROWS_STALE):
        st.info(t("dataset.rows_stale"), icon=":material/info:")
    base = pd.DataFrame(st.session_state[K.ROWS], columns=["question", "answer"], dtype="string")
    base.index = range(1, len(base) + 1)
    edited = st.data_editor(
        base, key=editor_key(), num_rows="dynamic", width="stretch", height=360, hide_index=False,
        column_config={"_index": st.column_config.NumberColumn("#", width=40),
                       "question": st.column_config.TextColumn(t("dataset.col.question"), width="medium"),
                       "answer": st.column_config.TextColumn(t("dataset.col.answer"), width="large")})
    rows = [{"question": dataset.cell_text(q), "answer": dataset.cell_text(a)}
            for q, a in zip(edited["question"], edited["answer"], strict=True)]
    st.session_state[K.ROWS_SHADOW] = rows
    b1, b2, b3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    if b1.button(t("dataset.reset_rows"), key="dataset.reset_rows", icon=":material/restart_alt:"):
        set_rows(identity.library_rows(ident), ident)
        st.session_state[K.ROWS_STALE] = False
        st.rerun()
    if b2.button(t("dataset.clear_rows"), key="dataset.clear_rows", icon=":material/delete_sweep:"):
        set_rows([], ident)
        st.rerun()
    b3.number_input(t("dataset.repeat"), min_value=1, max_value=10_000, **form(K.REPEAT),
                    help=t("dataset.repeat_help"))
    row_problems = dataset.check_rows(rows)
    if row_problems:
        st.error(counted("dataset.row_problems", len(row_problems)), icon=":material/error:")
        problems_table(row_problems)

# ---------------------------------------------------------------- 3. general conversations, import
st.subheader(t("dataset.general"))
st.markdown(t("dataset.general_help"))
general: list[dict[str, Any]] = st.session_state[K.GENERAL]
g1, g2 = st.columns([2, 1], vertical_alignment="center")
g1.slider(t("dataset.share"), 0, 95, step=5, **form(K.SHARE), format="%d%%", help=t("dataset.share_help"),
          disabled=mode == "tutorial")
g2.metric(t("dataset.general_count"), f"{len(general):,}")
share_note = st.empty()  # the share the dataset really has, filled in once it is built
if general and g2.button(t("dataset.clear_general"), key="dataset.clear_general", icon=":material/delete:"):
    st.session_state[K.GENERAL] = []
    st.session_state[K.GENERAL_VERSION] += 1
    st.rerun()
builtin = general_library.general_records(ident.langs)
if g1.button(t("dataset.add_builtin", n=len(builtin)), key="dataset.add_builtin", icon=":material/library_add:",
             help=t("dataset.add_builtin_help"), disabled=mode == "tutorial"):
    have = {dstats.signature_key(r) for r in general}
    new = [r for r in builtin if dstats.signature_key(r) not in have]
    if new:
        st.session_state[K.GENERAL] = general + new
        st.session_state[K.GENERAL_VERSION] += 1
        flash("success", counted("dataset.builtin_added", len(new)))
    else:
        flash("info", t("dataset.builtin_present"))
    st.rerun()
if mode == "tutorial":
    st.caption(t("dataset.tutorial_no_mix"))
with st.container(border=True):
    import_panel(ident, add_rows)


# ---------------------------------------------------------------- 4. build and check
share = st.session_state[K.SHARE] / 100
n_tut, repeat = int(st.session_state[K.TUTORIAL_N]), int(st.session_state[K.REPEAT])
build_key = (mode, ident.owner, ident.name, n_tut, repeat, share, st.session_state[K.GENERAL_VERSION],
             tuple((r["question"], r["answer"]) for r in rows))
built: dataset_build.Built | None = st.session_state.get(K.BUILD)
if ident.owner and (built is None or built.key != build_key):
    built = dataset_build.build(build_key, mode, ident, rows, tutorial_n=n_tut, repeat=repeat, general=general,
                                share=share)
    st.session_state[K.BUILD] = built
records: list[dict[str, Any]] = built.records if built and ident.owner else []
config_path, settings, summary = plan.newest_settings(runs.configs(ws), ws.settings().get("base_model"))

st.subheader(t("dataset.check"))
if not records:
    st.info(t("dataset.nothing_yet") if ident.owner else t("dataset.nothing_without_owner"))
else:
    dataset_check.stats(built, mode, bool(general), share_note)
    dataset_check.training_plan(built, ws.settings().get("base_model"), settings, config_path)
    dataset_check.preview(records, settings.template)

# ---------------------------------------------------------------- 5. save and export
st.subheader(t("dataset.save_title"))
st.caption(t("dataset.save_help", path=ws.dataset_path))
reads = summary.get("dataset")
if config_path and reads and Path(str(reads)).expanduser().resolve() != ws.dataset_path.resolve():
    st.warning(t("dataset.config_elsewhere", path=reads, config=config_path.name))
dataset_save.save_and_export(ws, records, ident, len(row_problems) + len(built.problems if built else []))

# ---------------------------------------------------------------- 6. the saved file, versions, XTuner's own check
st.subheader(t("dataset.saved_title"))
dataset_save.saved_file(ws)
dataset_save.xtuner_check(ws, config_path)
