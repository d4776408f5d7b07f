"""The dataset page's import panel: read a file, show what it holds, add it only when asked.

A file (an upload or a path on the server) is first scanned: counts, a preview, the first
problems, with a progress bar; its records are read only when the person adds them, so a
150 MB file never sits in memory as records next to its bytes. The scan is dropped (and its
memory given back) on cancel, on add, or when the file leaves the uploader; after cancel or
add the uploader is emptied and Streamlit's copy of the file dropped too. An identity
file with placeholders is read again whenever the name fields change; while a value it
needs is empty, one message asks for it. A file that cannot be read changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import dataset_io, memtrim
from core.identity import Identity
from ui.dataset_widgets import fill, labeled, plural, problems_table, say
from ui.flash import flash
from ui.i18n import t
from ui.keys import Dataset as K
from ui.uploader import file_uploader

PREVIEW_ROWS = dataset_io.PREVIEW
BIG_IMPORT = 10_000  # rows: after dropping an import this large, memory is given back to the system


def import_panel(ident: Identity, add_rows: Callable[[list[dict[str, str]]], None]) -> None:
    """Read a file; after the person confirms, ``add_rows`` (table) or the general pool gets it."""
    st.markdown(f"**{t('dataset.import')}**")
    st.caption(t("dataset.import_help", limit=dataset_io.MAX_BYTES // 2**20))
    # Any type: a PNG gets "not a text file" in the page's language, not Streamlit's English refusal.
    up = file_uploader(t("dataset.upload"), key=_uploader_key(), cap_mb=dataset_io.MAX_BYTES // 2**20)
    pending = st.session_state.get(K.PENDING)
    if pending and pending.get("upload") and (up is None or up.file_id != pending["upload"]):
        close()  # the file left the uploader: so does its import
        pending = None
    if up is not None and st.session_state.get(K.UPLOAD_SEEN) != up.file_id:
        st.session_state[K.UPLOAD_SEEN] = up.file_id
        pending = _start({"upload": up.file_id, "filename": up.name}, ident, up)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input(t("dataset.import_path"), key=K.IMPORT_PATH, placeholder="/data/identity.json")
    if c2.button(t("dataset.read_path"), key="dataset.read_path", icon=":material/folder_open:"):
        path = st.session_state[K.IMPORT_PATH]
        pending = _start({"path": path, "filename": Path(path).name}, ident, None)
    if pending:
        _pending(pending, ident, up, add_rows)


def _read(source: dict[str, Any], ident: Identity, up: Any, keep: bool) -> dataset_io.ImportResult:
    """Scan (``keep=False``) or read the source, with a progress bar while it runs."""
    bar = st.progress(0.0, text=t("dataset.reading", file=source["filename"]))

    def progress(done: float) -> None:
        bar.progress(done, text=t("dataset.reading_pct", file=source["filename"], pct=f"{done:.0%}"))

    try:
        if source.get("upload"):
            return dataset_io.read_stream(up, up.size, up.name, ident.name, ident.owner, source.get("mapping"),
                                          keep=keep, progress=progress)
        return dataset_io.read_path(source["path"], ident.name, ident.owner, source.get("mapping"), keep=keep,
                                    progress=progress)
    finally:
        bar.empty()


def _start(source: dict[str, Any], ident: Identity, up: Any) -> dict[str, Any]:
    """Scan a file and make it the pending import (the previous one is dropped first)."""
    close()
    result = _read(source, ident, up, keep=False)
    pending = {**source, "result": result, "ident": (ident.name, ident.owner)}
    st.session_state[K.PENDING] = pending
    st.session_state[K.IMPORT_TARGET] = "qa" if result.placeholders else "general"
    return pending


def close(forget: bool = False) -> None:
    """Drop the pending import and give its memory back; ``forget``: the uploaded file too."""
    pending = st.session_state.pop(K.PENDING, None)
    if pending is None:
        return
    if forget and pending.get("upload"):
        _forget_upload(pending["upload"])
    if pending["result"].total >= BIG_IMPORT:  # a full collection costs time; worth it after a big file only
        memtrim.release()


def _uploader_key() -> str:
    version = st.session_state.get(K.UPLOAD_VERSION, 0)
    return f"dataset.upload.{version}" if version else "dataset.upload"


def _forget_upload(file_id: str) -> None:
    """An empty uploader from the next run on, and the file's bytes dropped now: Streamlit would keep
    them until the session ends (its chat input drops its files the same way)."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    st.session_state[K.UPLOAD_VERSION] = st.session_state.get(K.UPLOAD_VERSION, 0) + 1
    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file_id)


def _pending(pending: dict[str, Any], ident: Identity, up: Any,
             add_rows: Callable[[list[dict[str, str]]], None]) -> None:
    res: dataset_io.ImportResult = pending["result"]
    if res.placeholders and pending["ident"] != (ident.name, ident.owner):  # the form changed: fill again
        pending = _start({k: v for k, v in pending.items() if k not in ("result", "ident")}, ident, up)
        res = pending["result"]
    file = pending["filename"]
    if res.fatal is not None:
        st.error(t("dataset.cannot_read", file=file) + " " + say(res.fatal), icon=":material/block:")
        st.button(t("dataset.dismiss"), key="dataset.import_dismiss", on_click=close, args=(True,))
        return
    if res.needs_mapping:
        _mapping(pending, ident, up)
        return
    fmt = res.fmt.removesuffix("_jsonl")
    label = t(f"dataset.fmt.{fmt}") + (" (JSONL)" if res.fmt.endswith("_jsonl") else "")
    st.markdown(t(plural("dataset.import_summary", res.total), file=file, fmt=label, ok=f"{res.usable:,}",
                  total=f"{res.total:,}", bad=f"{res.bad_rows:,}"))
    if res.needs:
        fields = t("dataset.and").join(t(f"dataset.needs.{f}") for f in res.needs)
        st.warning(fill("dataset.placeholders_need", {"fields": fields}), icon=":material/badge:")
    elif res.placeholders:
        values = {"name": ident.name, "author": ident.owner}
        filled = t("dataset.and").join(fill("dataset.filled_with", {"field": t(f"dataset.needs.{f}"), "value": v})
                                       for f, v in values.items() if v)
        st.info(fill("dataset.placeholders_filled", {"values": filled}), icon=":material/badge:")
    for note in res.notes:
        st.warning(say(note), icon=":material/translate:")
    if res.records:
        first = res.records[:PREVIEW_ROWS]
        st.caption(t(plural("dataset.import_preview", len(first)), n=len(first)))
        st.dataframe(pd.DataFrame({
            t("dataset.col.question"): [r["conversation"][0].get("input", "") for r in first],
            t("dataset.col.answer"): [r["conversation"][0].get("output", "") for r in first],
            t("dataset.col.turns"): [len(r["conversation"]) for r in first]}), hide_index=True, width="stretch")
    if res.problems:
        st.error(t(plural("dataset.bad_rows", res.bad_rows), n=f"{res.bad_rows:,}"), icon=":material/error:")
        problems_table(res.problems, snippets=res.snippets, total=res.problem_count)
    target = st.radio(t("dataset.import_target"), ["qa", "general"], key=K.IMPORT_TARGET, horizontal=True,
                      format_func=labeled("dataset.target"))
    n = 0 if res.needs else res.usable
    i1, i2 = st.columns(2)
    label = t(plural("dataset.keep_valid" if res.problems else "dataset.add", n), n=f"{n:,}")
    if i1.button(label, key="dataset.import_confirm", type="primary", disabled=not n):
        _add(pending, ident, up, target, add_rows)
    i2.button(t("dataset.cancel"), key="dataset.import_cancel", on_click=close, args=(True,))


def _mapping(pending: dict[str, Any], ident: Identity, up: Any) -> None:
    """Columns picked by hand for a table whose question and answer columns were not found."""
    res: dataset_io.ImportResult = pending["result"]
    st.warning(t("dataset.need_mapping", file=pending["filename"], columns=", ".join(res.columns)))
    cols = [""] + res.columns
    m1, m2, m3 = st.columns(3)
    mq = m1.selectbox(t("dataset.map_question"), cols, key="dataset.map_question")
    ma = m2.selectbox(t("dataset.map_answer"), cols, key="dataset.map_answer")
    ms = m3.selectbox(t("dataset.map_system"), cols, key="dataset.map_system")
    b1, b2 = st.columns(2)
    if b1.button(t("dataset.apply_mapping"), key="dataset.apply_mapping", disabled=not (mq and ma and mq != ma)):
        mapping = {"question": mq, "answer": ma, "system": ms or None, "conversation": None}
        _start({**{k: v for k, v in pending.items() if k not in ("result", "ident")}, "mapping": mapping}, ident, up)
        st.rerun()
    b2.button(t("dataset.cancel"), key="dataset.mapping_cancel", on_click=close, args=(True,))


def _add(pending: dict[str, Any], ident: Identity, up: Any, target: str,
         add_rows: Callable[[list[dict[str, str]]], None]) -> None:
    """Read the records now (the scan kept only a preview) and add them where the person chose."""
    scanned: dataset_io.ImportResult = pending["result"]
    res = _read(pending, ident, up, keep=True)
    if res.fatal is not None or res.usable != scanned.usable or res.needs:  # the file changed since the scan
        _start({k: v for k, v in pending.items() if k not in ("result", "ident")}, ident, up)
        flash("warning", t("dataset.file_changed", file=pending["filename"]))
        st.rerun()
    n = len(res.records)
    if target == "qa":
        unfit = sum(len(r["conversation"]) > 1 or bool(r["conversation"][0].get("system")) for r in res.records)
        if unfit:
            st.error(t(plural("dataset.not_for_table", unfit), n=unfit))
            return
        add_rows([{"question": r["conversation"][0]["input"], "answer": r["conversation"][0]["output"]}
                  for r in res.records])
    else:
        st.session_state[K.GENERAL] = st.session_state[K.GENERAL] + res.records
        st.session_state[K.GENERAL_VERSION] += 1
    del res
    close(forget=True)
    flash("success", t(plural("dataset.imported", n), n=f"{n:,}", target=t(f"dataset.target.{target}")))
    st.rerun()
