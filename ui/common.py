"""The workspace handle and small widgets shared by pages."""

from __future__ import annotations

import os
import sys

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
