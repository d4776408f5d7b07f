"""Shared fixtures: a fresh workspace per test, one demo model per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import Workspace  # noqa: E402


@pytest.fixture(scope="session")
def demo_model(tmp_path_factory) -> Path:
    return make_demo_model(tmp_path_factory.mktemp("models") / "demo-tiny-llama")


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    return Workspace.resolve(tmp_path / "workspace")
