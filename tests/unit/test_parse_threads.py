"""pyedit.parse: the app's one way to parse Python, safe when several tabs parse at once."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from core import config, pyedit

ROOT = Path(__file__).resolve().parents[2]


class _Garbage:
    """An object whose ``__del__`` runs Python code: the garbage collector then lets another thread run."""

    def __del__(self) -> None:
        sum(range(50))


def test_parsing_from_several_threads_while_garbage_is_collected_never_fails():
    """CPython 3.11 raised 'AST constructor recursion depth mismatch' here with a bare ast.parse
    (6 times in 8 s on this setup); the server's tabs are such threads."""
    source = config.tutorial_config("/models/m", "/data/assistant.json", cpu=True, demo=True)
    errors: list[str] = []
    end = time.monotonic() + 4

    def parse() -> None:
        while time.monotonic() < end:
            try:
                pyedit.parse(source)
            except SystemError as exc:
                errors.append(str(exc))

    def make_garbage() -> None:
        while time.monotonic() < end:
            for _ in range(2000):
                a, b = _Garbage(), _Garbage()
                a.other, b.other = b, a

    threads = [threading.Thread(target=parse) for _ in range(3)] + [threading.Thread(target=make_garbage)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "the parsing threads did not finish in 120 s"
    assert errors == []


def test_the_app_parses_python_only_through_pyedit_parse():
    files = [p for d in ("core", "ui", "pages") for p in (ROOT / d).rglob("*.py")] + [ROOT / "app.py"]
    bare = [f"{p.relative_to(ROOT)}:{n}" for p in files if p.name != "pyedit.py"
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\bast\.parse\(", line)]
    assert bare == [], f"call core.pyedit.parse instead of ast.parse (a lock keeps threads apart): {bare}"
