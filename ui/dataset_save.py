"""The dataset page's save, versions and XTuner check: saving keeps the previous file as a version and
asks before overwriting a file changed on disk since; a version restores the form with its records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from core import dataset, dataset_io, dataset_versions, identity, xtuner_cli
from core.workspace import Workspace
from ui import dataset_state
from ui.dataset_widgets import counted, problems_table, why
from ui.flash import flash
from ui.i18n import t
from ui.keys import Dataset as K


def _save_now(ws: Workspace, records: list[dict[str, Any]], ident: identity.Identity) -> None:
    """Write the built records (the previous file is kept as a version) and remember the form with them."""
    try:
        kept = dataset.save(ws.dataset_path, records)
        state = dataset_state.saved_state(ident)
        dataset.save_builder(ws.dataset_path, state, st.session_state[K.GENERAL])
        dataset_versions.keep_snapshot(ws.dataset_path, state, st.session_state[K.GENERAL])
        st.session_state[K.DISK_SIG] = dataset_versions.file_signature(ws.dataset_path)
        st.success(counted("dataset.saved", f"{len(records):,}", path=ws.dataset_path)
                   + (" " + t("dataset.kept", name=kept.name) if kept else ""), icon=":material/check:")
    except (ValueError, OSError) as exc:
        st.error(t("dataset.save_failed", reason=str(exc)))


def _show_disk(ws: Workspace) -> None:
    """Replace the page's inputs with those of the file as it is on disk now."""
    try:
        data = ws.dataset_path.read_bytes()
        state, general_now, _ = dataset_versions.builder_for(ws.dataset_path, data, st.session_state[K.FORM])
    except (OSError, ValueError) as exc:
        st.error(t("dataset.restore_failed", reason=why(exc)))
        return
    dataset_state.load_state(ws.dataset_path, state, general_now)
    flash("info", t("dataset.shown_disk"))
    st.rerun()


def save_and_export(ws: Workspace, records: list[dict[str, Any]], ident: identity.Identity, problems: int) -> None:
    """The save button (blocked while ``problems`` rows or records have problems; asks when the file changed
    on disk since this page read it) and the export downloads."""
    sv, e1, e2, e3 = st.columns(4)
    if sv.button(t("dataset.save"), key="dataset.save", type="primary", icon=":material/save:", disabled=not records):
        if problems:
            st.error(counted("dataset.fix_first", problems))
        elif dataset_versions.file_signature(ws.dataset_path) != st.session_state.get(K.DISK_SIG):
            st.session_state[K.SAVE_ASK] = True  # changed on disk since this page read it: ask below
        else:
            _save_now(ws, records, ident)
    if st.session_state.get(K.SAVE_ASK) and records:
        with st.container(border=True):
            st.warning(t("dataset.changed_on_disk", path=ws.dataset_path), icon=":material/warning:")
            a1, a2, a3 = st.columns(3)
            if a1.button(t("dataset.save_anyway"), key="dataset.save_anyway", icon=":material/save_as:"):
                st.session_state.pop(K.SAVE_ASK)
                _save_now(ws, records, ident)
            if a2.button(t("dataset.show_disk"), key="dataset.show_disk", icon=":material/sync:"):
                _show_disk(ws)
            if a3.button(t("dataset.save_cancel"), key="dataset.save_cancel"):
                st.session_state.pop(K.SAVE_ASK)
                st.rerun()
    for col, (fmt, (writer, mime)) in zip((e1, e2, e3), dataset_io.EXPORTS.items(), strict=True):
        col.download_button(t(f"dataset.export.{fmt}"), data=lambda w=writer, r=records: w(r),
                            file_name=f"assistant.{fmt}", mime=mime, key=f"dataset.export_{fmt}",
                            disabled=not records, icon=":material/download:", on_click="ignore")


def saved_file(ws: Workspace) -> None:
    """The saved file's state, and its earlier versions with a restore button."""
    if ws.dataset_path.is_file():
        count, saved_problems = dataset.check_file(ws.dataset_path)
        if saved_problems:
            st.error(t("dataset.saved_invalid", path=ws.dataset_path))
            problems_table(saved_problems)
        else:
            st.success(counted("dataset.saved_ok", f"{count:,}", path=ws.dataset_path), icon=":material/check_circle:")
    else:
        st.info(t("dataset.not_saved_yet", path=ws.dataset_path))

    versions = dataset.versions(ws.dataset_path)
    if not versions:
        return
    v1, v2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = v1.selectbox(t("dataset.versions"), versions, key="dataset.version",
                          format_func=lambda p: f"{p.name}  ({p.stat().st_size / 1024:,.0f} KB)")
    if v2.button(t("dataset.restore"), key="dataset.restore", icon=":material/history:"):
        try:
            done = dataset_versions.restore(ws.dataset_path, chosen, st.session_state[K.FORM])
        except (ValueError, OSError) as exc:
            st.error(t("dataset.restore_failed", reason=why(exc)))
        else:
            dataset_state.load_state(ws.dataset_path, done.state, done.general)
            flash("success", t("dataset.restored", name=chosen.name) + " "
                  + t("dataset.restored_form" if done.exact else "dataset.restored_read"))
            st.rerun()


def xtuner_check(ws: Workspace, config_path: Path | None) -> None:
    """XTuner's own check of the saved file (``xtuner check-custom-dataset``), its output kept."""
    st.markdown(f"**{t('dataset.xtuner_check')}**")
    if not config_path:
        st.info(t("dataset.no_config"))
    elif st.button(t("dataset.run_check"), key="dataset.check", icon=":material/fact_check:",
                   disabled=not ws.dataset_path.is_file()):
        with st.spinner(t("dataset.checking")):
            try:
                res = xtuner_cli.run(xtuner_cli.check_custom_dataset(config_path), cwd=ws.root, timeout=900)
                st.session_state[K.CHECK_OUTPUT] = (res.returncode, res.output)
            except Exception as exc:  # a timeout, or the tool could not start
                st.session_state[K.CHECK_OUTPUT] = (-1, str(exc))
    if st.session_state.get(K.CHECK_OUTPUT):
        code, output = st.session_state[K.CHECK_OUTPUT]
        if code == 0:
            st.success(t("dataset.check_ok"), icon=":material/check:")
        else:
            st.error(t("dataset.check_failed", code=code))
        st.code("\n".join(output.splitlines()[-200:]) or "—", language=None)
