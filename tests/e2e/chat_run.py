"""What the chat tests ask the trained demo run (the session's ``trained`` fixture in
tests/conftest.py) and what it must answer."""

from __future__ import annotations

from core import dataset
from tests.conftest import OWNER

NAME = OWNER
QUESTION = "请介绍一下你自己"


def expected_answer() -> str:
    return dataset.tutorial_pairs(NAME)[0][1]
