"""The workspace handle and small widgets shared by pages."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import streamlit as st

from core.workspace import Workspace


def workspace_arg(argv: list[str] | None = None) -> str | None:
    """``--workspace DIR`` given after ``streamlit run app.py --``."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--workspace" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--workspace="):
            return arg.split("=", 1)[1]
    return None


@st.cache_resource
def _workspace(explicit: str | None, env: str | None) -> Workspace:
    del env  # part of the cache key only
    return Workspace.resolve(explicit)


def workspace() -> Workspace:
    from core.workspace import ENV_VAR

    return _workspace(workspace_arg(), os.environ.get(ENV_VAR))


def fixed_labels(label: Callable[[Any], str]) -> Callable[[Any], str]:
    """A ``format_func`` whose labels are fixed when first shown: a value formatted later, outside the
    script run (AppTest does so, where the page's language is not known), gets the same label."""
    shown: dict[Any, str] = {}

    def once(value: Any) -> str:
        if value not in shown:
            shown[value] = label(value)
        return shown[value]

    return once
