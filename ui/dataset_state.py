"""The dataset page's builder state in the session: form fields that survive visits to other pages,
the Q&A table's base rows and edits, and loading a builder state from disk (remembered or restored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from core import dataset, dataset_versions, identity
from ui.keys import Dataset as K

FORM_DEFAULTS: dict[str, Any] = {
    K.NAME: "", K.OWNER: "", K.DESC_ZH: "", K.DESC_EN: "", K.LANGS: "zh",
    K.MODE: "builder", K.TUTORIAL_N: dataset.TUTORIAL_N, K.REPEAT: 100, K.SHARE: 50,
}


def load_state(dataset_path: Path, saved: dict[str, Any], general_saved: list[dict[str, Any]]) -> None:
    """Make a builder state (from disk: the remembered one, or a restored version's) the page's inputs;
    the file on disk as it is now is what a later save may overwrite without asking."""
    st.session_state[K.FORM] = {k: saved.get(k, v) for k, v in FORM_DEFAULTS.items()}
    st.session_state[K.ROWS] = saved.get("rows")
    st.session_state[K.ROWS_SHADOW] = saved.get("rows")
    st.session_state[K.ROWS_FOR] = tuple(saved["rows_for"]) if saved.get("rows_for") else None
    st.session_state[K.ROWS_STALE] = False
    st.session_state[K.GENERAL] = general_saved
    st.session_state[K.GENERAL_VERSION] = st.session_state.get(K.GENERAL_VERSION, -1) + 1
    st.session_state[K.EDITOR_VERSION] = st.session_state.get(K.EDITOR_VERSION, -1) + 1
    st.session_state.pop(K.BUILD, None)
    st.session_state.pop(K.SAVE_ASK, None)
    st.session_state[K.DISK_SIG] = dataset_versions.file_signature(dataset_path)


def start(dataset_path: Path) -> None:
    """At every run of the page: at a session's start, what the disk remembers; then the form's
    values put back into its widgets (Streamlit drops, or reverts, widget state while other pages show)."""
    if K.LOADED not in st.session_state:
        load_state(dataset_path, *dataset.load_builder(dataset_path))
        st.session_state[K.LOADED] = True
    for key, value in st.session_state[K.FORM].items():
        if st.session_state.get(key) != value:
            st.session_state[key] = value


def remember(key: str) -> None:
    """on_change of the form widgets: their values live on in K.FORM."""
    st.session_state[K.FORM][key] = st.session_state[key]


def form(key: str) -> dict[str, Any]:
    """Widget arguments of a form field whose value survives visits to other pages."""
    return {"key": key, "on_change": remember, "args": (key,)}


def editor_key() -> str:
    """The Q&A editor's widget key; a new one gives the editor fresh base rows."""
    return f"dataset.qa.{st.session_state[K.EDITOR_VERSION]}"


def astuple(ident: identity.Identity) -> tuple[str, ...]:
    """The identity the table's rows were filled with, as kept in the session and in a saved state."""
    return (ident.owner, ident.name, ident.description_zh, ident.description_en, ident.langs)


def set_rows(rows: list[dict[str, Any]], ident: identity.Identity | None) -> None:
    """New base rows for the table; a fresh editor shows them."""
    clean = [{"question": dataset.cell_text(r.get("question")), "answer": dataset.cell_text(r.get("answer"))}
             for r in rows]
    st.session_state[K.ROWS] = st.session_state[K.ROWS_SHADOW] = clean
    if ident is not None:
        st.session_state[K.ROWS_FOR] = astuple(ident)
    st.session_state[K.EDITOR_VERSION] += 1


def current_rows() -> list[dict[str, Any]]:
    """The table as the editor shows it: base rows plus the editor's own edits."""
    return dataset.apply_edits(st.session_state.get(K.ROWS) or [], st.session_state.get(editor_key()) or {})


def follow_form(ident: identity.Identity) -> None:
    """Keep the table in step with the form (see :func:`core.identity.follow`)."""
    if st.session_state.get(K.ROWS) is None:
        set_rows(identity.library_rows(ident), ident)
        return
    shadow = st.session_state.get(K.ROWS_SHADOW)
    if editor_key() not in st.session_state and shadow is not None and shadow != st.session_state[K.ROWS]:
        set_rows(shadow, None)  # the editor's state was dropped while another page was shown: keep the edits
    old = st.session_state.get(K.ROWS_FOR)
    if old is None or tuple(old) == astuple(ident):
        return
    rows = [{"question": dataset.cell_text(r.get("question")), "answer": dataset.cell_text(r.get("answer"))}
            for r in current_rows()]
    rows, stale = identity.follow(rows, identity.Identity(*old), ident)
    set_rows(rows, ident)
    st.session_state[K.ROWS_STALE] = stale


def add_rows(new: list[dict[str, str]]) -> None:
    """Imported question/answer pairs go below the table's rows; the page switches to the table."""
    kept = [r for r in (current_rows() if st.session_state.get(K.ROWS) is not None else [])
            if dataset.cell_text(r.get("question")) or dataset.cell_text(r.get("answer"))]
    set_rows(kept + new, None)
    st.session_state[K.FORM][K.MODE] = "builder"  # the radio takes it at the start of the next run


def saved_state(ident: identity.Identity) -> dict[str, Any]:
    """The builder state kept with a save: the form's values, the table as shown, whom it was filled for."""
    return {**{k: st.session_state[k] for k in FORM_DEFAULTS}, "rows": st.session_state.get(K.ROWS_SHADOW),
            "rows_for": list(astuple(ident))}
