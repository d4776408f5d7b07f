"""Parts of the dataset page: problems in the page's language, counted words.

Core reports problems as codes with values (:class:`core.dataset.Problem`); :func:`say`
words them in the page's language with their place. The import panel is :mod:`ui.dataset_import`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.dataset import Problem
from ui.i18n import STRINGS, t

SHOWN_PROBLEMS = 200
LISTED_PROBLEMS = 5


def plural(key: str, n: int | str) -> str:
    """``key.one`` when ``n`` is 1 and that string exists ("1 row", "Add 1 record"), else ``key``."""
    return f"{key}.one" if str(n).replace(",", "").strip() == "1" and f"{key}.one" in STRINGS else key


def counted(key: str, n: int | str, **values: Any) -> str:
    """``t(key, n=n, ...)`` in the singular when ``n`` is 1."""
    return t(plural(key, n), n=n, **values)


def say(p: Problem) -> str:
    """A problem in the page's language ("第 12 行：回答是空的").

    A problem's values fill the string as one dict, never as keyword arguments, so no value
    name (``key``, ``field``…) can clash with a parameter; words that core reports as codes
    (``kind``, ``reason``) are translated first; an unknown code falls back to core's English.
    """
    where = fill(f"dataset.where.{p.unit}", {"n": p.index}) if p.unit else p.where
    values = dict(p.values)
    if p.turn and values.get("turns", 2) > 1:
        where += fill("dataset.where.turn", {"n": p.turn})
    for name in WORD_VALUES:
        if f"dataset.{name}.{values.get(name)}" in STRINGS:
            values[name] = fill(f"dataset.{name}.{values[name]}", values)
    key = f"dataset.p.{p.code}"
    text = fill(key, values) if key in STRINGS else p.message
    return text if p.unit == "file" else fill("dataset.where_sep", {"where": where, "text": text})


def why(exc: Exception) -> str:
    """An error from core in the page's language when it carries a problem, else its own text."""
    found = getattr(exc, "problem", None)
    return say(found) if isinstance(found, Problem) else str(exc)


WORD_VALUES = ("kind", "reason")  # values that are codes of a word or phrase: dataset.kind.*, dataset.reason.*


class _Values(dict):
    """Format values; a placeholder with no value stays visible as ``{name}`` instead of raising."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def fill(key: str, values: dict[str, Any]) -> str:
    """``t(key)`` with ``values`` filled from a dict (any value names, no keyword clash)."""
    return t(key).format_map(_Values(values))


def labeled(prefix: str) -> Callable[[str], str]:
    """A format_func showing ``t(prefix.value)``; labels are fixed when first shown, so a value
    formatted later (AppTest does so outside the script run) gets the same label."""
    shown: dict[str, str] = {}

    def label(value: str) -> str:
        if value not in shown:
            shown[value] = t(f"{prefix}.{value}")
        return shown[value]

    return label


def problems_table(problems: list[Problem], limit: int = SHOWN_PROBLEMS,
                   snippets: dict[int, str] | None = None, total: int | None = None) -> None:
    """The first problems as plain sentences (readable, searchable, copyable), the first ``limit`` in a
    table below; ``total`` counts them all when only the first were kept.

    A table alone is drawn on a canvas: people could not select or search its text.
    """
    snippets = snippets or {}
    total = max(total or 0, len(problems))

    def line(p: Problem) -> str:
        snippet = snippets.get(p.index, "")
        return f"- {_md(say(p))}" + (f" — `{_code(snippet[:80])}`" if snippet else "")

    st.markdown("\n".join(line(p) for p in problems[:LISTED_PROBLEMS]))
    if total > LISTED_PROBLEMS:
        with st.expander(t("dataset.all_problems", n=f"{total:,}")):
            shown = problems[:limit]
            columns = {t("dataset.col.problem"): [say(p) for p in shown]}
            if snippets:
                columns[t("dataset.col.content")] = [snippets.get(p.index, "") for p in shown]
            st.dataframe(pd.DataFrame(columns), hide_index=True, width="stretch")
            if total > len(shown):
                more = total - len(shown)
                st.caption(t(plural("dataset.more_problems", more), n=f"{more:,}"))


def _md(text: str) -> str:
    """Text shown literally in markdown (people's data may hold *, _, # or links)."""
    flat = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$&:" else c for c in flat)


def _code(text: str) -> str:
    """Text for an inline code span (no backticks or line breaks inside)."""
    return text.replace("`", "'").replace("\r", " ").replace("\n", " ")
