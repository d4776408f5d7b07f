"""The app's file uploader, worded in the page's language (one place for all of it).

Streamlit (1.67) words its drop zone in English only and has no option for it: the 「Upload」
button, 「200MB per file」, 「Drag and drop a file here」 while a file is dragged over it, and, when
told which types to take, an English refusal 「image/png files are not allowed.」. So the uploader
here takes any type (the reader names a wrong file in the page's language) and, outside English,
draws our words over Streamlit's: its own text stays in the page at size 0 (what the server
enforces is still there to read) and ours is drawn after it with CSS ``::after``.

Streamlit hands the script a deep copy of every widget's value (``SessionState.register_widget``),
and a deep copy of an ``UploadedFile`` (a ``BytesIO``) copies the whole file: a 150 MB upload held
twice on every page run while it sits in the uploader (measured, benchmarks/bench_import_server.py).
``UploadedFile`` is meant to be copy-on-write (it shares the upload's bytes until written to), so
its deep copy here shares them the same way: the copy is still independent, a write to either one
copies first (CPython's ``BytesIO``).
"""

from __future__ import annotations

import io
import json
from copy import deepcopy
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.i18n import lang, t

ZONE = "[data-testid='stFileUploaderDropzone']"
# Where Streamlit puts its words: the button's label, the size line, the overlay shown while dragging
# (the overlay is a div right after the hidden file input, its one span the words). With a file
# attached, the div after the input holds the file's chip and an "add" button: only the overlay's own
# span (a child, not a descendant) is ours, or our words land on that button and hide its icon.
BUTTON = f"{ZONE} button [data-testid='stMarkdownContainer'] p"
LIMIT = f"{ZONE} [data-testid='stFileUploaderDropzoneInstructions'] span"
DROP = f"{ZONE} [data-testid='stFileUploaderDropzoneInput'] + div > span"
TEXT_SIZE = "0.875rem"  # Streamlit's size for all three


def _deepcopy_sharing_bytes(self: UploadedFile, memo: dict[int, Any]) -> UploadedFile:
    """A deep copy of an uploaded file that shares its bytes until either one is written to."""
    clone = UploadedFile.__new__(UploadedFile)
    memo[id(self)] = clone
    io.BytesIO.__init__(clone, self.getvalue())  # bytes in: BytesIO shares them (copy on write)
    clone.seek(self.tell())
    clone.__dict__.update(deepcopy(self.__dict__, memo))
    return clone


if "__deepcopy__" not in UploadedFile.__dict__:  # a Streamlit that defines its own keeps it
    UploadedFile.__deepcopy__ = _deepcopy_sharing_bytes


def limit_mb(cap_mb: int | None = None) -> int:
    """The upload limit in MB that the server enforces (config.toml), at most ``cap_mb``."""
    limit = int(st.get_option("server.maxUploadSize"))
    return min(limit, cap_mb) if cap_mb else limit


def css(words: dict[str, str]) -> str:
    """CSS drawing ``words`` (selector -> text) in place of the text of each selector's element."""
    rules = []
    for selector, text in words.items():
        rules.append(f"{selector} {{font-size: 0 !important}} "
                     f"{selector}::after {{content: {json.dumps(text, ensure_ascii=False)}; font-size: {TEXT_SIZE}}}")
    return "\n".join(rules)


def file_uploader(label: str, key: str, cap_mb: int | None = None, **kwargs: Any) -> Any:
    """``st.file_uploader`` for any file type, with its own words in the page's language."""
    if lang() != "en":
        limit = limit_mb(cap_mb)
        words = {BUTTON: t("uploader.button"), LIMIT: t("uploader.limit", limit=limit), DROP: t("uploader.drop")}
        st.html(f"<style>{css(words)}</style>")
    return st.file_uploader(label, key=key, type=None, **kwargs)
