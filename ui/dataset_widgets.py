"""Parts of the dataset page: problems in the page's language, and the import panel.

The import panel reads a file (upload or a path on the server), shows what it found and
every row it could not use, and only when the person says so adds the usable records to
the question/answer table or to the general conversations. A file that cannot be read
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import dataset_io
from core.dataset import Problem
from core.identity import Identity
from ui import keys_dataset as K
from ui.i18n import STRINGS, t

SHOWN_PROBLEMS = 200
LISTED_PROBLEMS = 5
PREVIEW_ROWS = 5


def say(p: Problem) -> str:
    """A problem in the page's language ("第 12 行：回答是空的")."""
    where = t(f"dataset.where.{p.unit}", n=p.index) if p.unit else p.where
    if p.turn and dict(p.values).get("turns", 2) > 1:
        where += t("dataset.where.turn", n=p.turn)
    key, values = f"dataset.p.{p.code}", dict(p.values)
    if "kind" in values:  # what a binary file looks like: a word in the page's language
        values["kind"] = t(f"dataset.kind.{values['kind']}")
    text = t(key, **values) if key in STRINGS else p.message
    return text if p.unit == "file" else t("dataset.where_sep", where=where, text=text)


def labeled(prefix: str) -> Callable[[str], str]:
    """A format_func showing ``t(prefix.value)``; labels are fixed when first shown, so a value
    formatted later (AppTest does so outside the script run) gets the same label."""
    shown: dict[str, str] = {}

    def label(value: str) -> str:
        if value not in shown:
            shown[value] = t(f"{prefix}.{value}")
        return shown[value]

    return label


def flash(kind: str, message: str) -> None:
    """A message shown once, after the rerun that follows an action."""
    st.session_state[K.FLASH] = (kind, message)


def _start(result: dataset_io.ImportResult, source: dict[str, Any]) -> None:
    st.session_state[K.PENDING] = {"result": result, **source}
    st.session_state["dataset.import_target"] = "qa" if result.filled_placeholders else "general"


def _reparse(pending: dict[str, Any], ident: Identity, mapping: dict[str, str | None]) -> dataset_io.ImportResult:
    if pending.get("data") is not None:
        return dataset_io.parse_bytes(pending["data"], pending["filename"], ident.name, ident.owner, mapping)
    return dataset_io.read_path(pending["path"], ident.name, ident.owner, mapping)


def import_panel(ident: Identity, add_rows: Callable[[list[dict[str, str]]], None]) -> None:
    """Read a file; after the person confirms, ``add_rows`` (table) or the general pool gets it."""
    st.markdown(f"**{t('dataset.import')}**")
    st.caption(t("dataset.import_help", limit=dataset_io.MAX_BYTES // 2**20))
    up = st.file_uploader(t("dataset.upload"), key="dataset.upload",
                          type=["json", "jsonl", "csv", "tsv", "xlsx", "txt"])
    if up is not None and st.session_state.get(K.UPLOAD_SEEN) != up.file_id:
        st.session_state[K.UPLOAD_SEEN] = up.file_id
        data = up.getvalue()
        _start(dataset_io.parse_bytes(data, up.name, ident.name, ident.owner), {"data": data, "filename": up.name})
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input(t("dataset.import_path"), key="dataset.import_path", placeholder="/data/identity.json")
    if c2.button(t("dataset.read_path"), key="dataset.read_path", icon=":material/folder_open:"):
        path = st.session_state["dataset.import_path"]
        _start(dataset_io.read_path(path, ident.name, ident.owner), {"path": path, "filename": Path(path).name})
    pending = st.session_state.get(K.PENDING)
    if pending:
        _pending(pending, ident, add_rows)


def _close() -> None:
    st.session_state.pop(K.PENDING, None)


def _pending(pending: dict[str, Any], ident: Identity, add_rows: Callable[[list[dict[str, str]]], None]) -> None:
    res: dataset_io.ImportResult = pending["result"]
    if res.fatal is not None:
        st.error(t("dataset.cannot_read", file=pending["filename"]) + " " + say(res.fatal), icon=":material/block:")
        st.button(t("dataset.dismiss"), key="dataset.import_dismiss", on_click=_close)
        return
    if res.needs_mapping:
        st.warning(t("dataset.need_mapping", file=pending["filename"], columns=", ".join(res.columns)))
        cols = [""] + res.columns
        m1, m2, m3 = st.columns(3)
        mq = m1.selectbox(t("dataset.map_question"), cols, key="dataset.map_question")
        ma = m2.selectbox(t("dataset.map_answer"), cols, key="dataset.map_answer")
        ms = m3.selectbox(t("dataset.map_system"), cols, key="dataset.map_system")
        b1, b2 = st.columns(2)
        if b1.button(t("dataset.apply_mapping"), key="dataset.apply_mapping", disabled=not (mq and ma and mq != ma)):
            mapping = {"question": mq, "answer": ma, "system": ms or None, "conversation": None}
            _start(_reparse(pending, ident, mapping), {k: v for k, v in pending.items() if k != "result"})
            st.rerun()
        b2.button(t("dataset.cancel"), key="dataset.mapping_cancel", on_click=_close)
        return
    fmt = res.fmt.removesuffix("_jsonl")
    label = t(f"dataset.fmt.{fmt}") + (" (JSONL)" if res.fmt.endswith("_jsonl") else "")
    st.markdown(t("dataset.import_summary", file=pending["filename"], fmt=label, ok=len(res.records),
                  total=res.total, bad=res.bad_rows))
    if res.filled_placeholders:
        st.info(t("dataset.placeholders_filled", name=ident.name or "—", owner=ident.owner or "—"))
    for note in res.notes:
        st.warning(say(note), icon=":material/translate:")
    if res.records:
        first = res.records[:PREVIEW_ROWS]
        st.caption(t("dataset.import_preview", n=len(first)))
        st.dataframe(pd.DataFrame({
            t("dataset.col.question"): [r["conversation"][0].get("input", "") for r in first],
            t("dataset.col.answer"): [r["conversation"][0].get("output", "") for r in first],
            t("dataset.col.turns"): [len(r["conversation"]) for r in first]}), hide_index=True, width="stretch")
    if res.problems:
        st.error(t("dataset.bad_rows", n=res.bad_rows), icon=":material/error:")
        problems_table(res.problems, snippets=res.snippets)
    target = st.radio(t("dataset.import_target"), ["qa", "general"], key="dataset.import_target", horizontal=True,
                      format_func=labeled("dataset.target"))
    n = len(res.records)
    i1, i2 = st.columns(2)
    label = t("dataset.keep_valid", n=n) if res.problems else t("dataset.add", n=n)
    if i1.button(label, key="dataset.import_confirm", type="primary", disabled=not n):
        if target == "qa":
            unfit = [r for r in res.records if len(r["conversation"]) > 1 or r["conversation"][0].get("system")]
            if unfit:
                st.error(t("dataset.not_for_table", n=len(unfit)))
                return
            add_rows([{"question": r["conversation"][0]["input"], "answer": r["conversation"][0]["output"]}
                      for r in res.records])
        else:
            st.session_state[K.GENERAL] = st.session_state[K.GENERAL] + res.records
            st.session_state[K.GENERAL_VERSION] += 1
        _close()
        flash("success", t("dataset.imported", n=n, target=t(f"dataset.target.{target}")))
        st.rerun()
    i2.button(t("dataset.cancel"), key="dataset.import_cancel", on_click=_close)


def problems_table(problems: list[Problem], limit: int = SHOWN_PROBLEMS,
                   snippets: dict[int, str] | None = None) -> None:
    """The first problems as plain sentences (readable, searchable, copyable), all of them in a table below.

    A table alone is drawn on a canvas: people could not select or search its text.
    """
    snippets = snippets or {}

    def line(p: Problem) -> str:
        snippet = snippets.get(p.index, "")
        return f"- {_md(say(p))}" + (f" — `{_code(snippet[:80])}`" if snippet else "")

    st.markdown("\n".join(line(p) for p in problems[:LISTED_PROBLEMS]))
    if len(problems) > LISTED_PROBLEMS:
        with st.expander(t("dataset.all_problems", n=len(problems))):
            shown = problems[:limit]
            columns = {t("dataset.col.problem"): [say(p) for p in shown]}
            if snippets:
                columns[t("dataset.col.content")] = [snippets.get(p.index, "") for p in shown]
            st.dataframe(pd.DataFrame(columns), hide_index=True, width="stretch")
            if len(problems) > limit:
                st.caption(t("dataset.more_problems", n=len(problems) - limit))


def _md(text: str) -> str:
    """Text shown literally in markdown (people's data may hold *, _, # or links)."""
    flat = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$&:" else c for c in flat)


def _code(text: str) -> str:
    """Text for an inline code span (no backticks or line breaks inside)."""
    return text.replace("`", "'").replace("\r", " ").replace("\n", " ")
