"""Every problem core can report is said by the dataset page, in both languages, whatever its values.

The problem codes and their value names are read from the source (every ``problem(...)``,
``fatal(...)`` and ``Problem(...)`` call), so a new code is covered without touching this test.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.dataset import problem

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "core").glob("*.py"), ROOT / "pages" / "dataset.py", *(ROOT / "ui").glob("dataset*.py")])


def _constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def reported() -> dict[str, set[str]]:
    """{code: value names} of every problem constructed in the sources."""
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        makers = {id(n) for d in ast.walk(tree) if isinstance(d, ast.FunctionDef) and d.name in ("problem", "fatal")
                  for n in ast.walk(d)}  # the constructors themselves pass a code through
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in makers:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("problem", "fatal", "Problem"):
                continue
            pos = {"problem": 2, "fatal": 0, "Problem": 2}[name]
            code = _constant(node.args[pos]) if len(node.args) > pos else _constant(
                next((k.value for k in node.keywords if k.arg == "code"), None))
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert isinstance(code, str) and code, f"{where}: a problem's code must be a plain string literal"
            names = {k.arg for k in node.keywords if k.arg not in (None, "code", "message", "turn", "values")}
            found.setdefault(code, set()).update(names)
    return found


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _sample(name: str) -> object:
    """A value as core would give it; words given as codes get a real code of theirs."""
    from ui.i18n import STRINGS

    if name in ("kind", "reason"):
        return sorted(k.rsplit(".", 1)[1] for k in STRINGS if k.startswith(f"dataset.{name}."))[0]
    return {"turns": 2, "n": 3, "line": 4, "column": 5, "size_mb": 300, "limit_mb": 200}.get(name, f"<{name}>")


def test_the_source_scan_finds_the_known_codes():
    codes = reported()
    assert {"missing_text", "bad_json", "binary", "control_char", "question_empty", "bad_xlsx"} <= set(codes)
    assert "field" in codes["missing_text"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_problem_code_has_words_for_each_of_its_values(lang):
    from ui.i18n import STRINGS

    for code, names in sorted(reported().items()):
        entry = STRINGS.get(f"dataset.p.{code}")
        assert entry and entry.get(lang), f"no {lang} words for the problem {code!r}"
        extra = _placeholders(entry[lang]) - names
        assert not extra, f"dataset.p.{code} ({lang}) needs {extra}, which core does not give"


def _render_all():
    import streamlit as st

    from ui.dataset_widgets import problems_table, say

    for p in st.session_state["probe.problems"]:
        st.text(say(p))
    problems_table(st.session_state["probe.problems"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_says_every_problem_in_each_language(lang):
    problems = []
    for code, names in sorted(reported().items()):
        values = {n: _sample(n) for n in names}
        problems += [problem("file", 0, code, f"english {code}", **values),
                     problem("row", 7, code, f"english {code}", turn=2, **values)]
    at = AppTest.from_function(_render_all, default_timeout=60)
    at.session_state["app.lang"] = lang
    at.session_state["probe.problems"] = problems
    at.run()
    assert not at.exception, at.exception
    said = [e.value for e in at.text]
    assert len(said) == len(problems)
    from ui.i18n import STRINGS

    for p, text in zip(problems, said, strict=True):
        assert "english" not in text and "{" not in text, (p.code, text)
        for name in _placeholders(STRINGS[f"dataset.p.{p.code}"][lang]) - {"kind", "reason"}:
            assert str(dict(p.values)[name]) in text, (p.code, name, text)
    assert said[1].startswith("第 7 行第 2 轮：" if lang == "zh" else "row 7, turn 2: ")


def reasons() -> set[str]:
    """Every reason code core gives: the JSON ones, and the string literals given as ``reason``."""
    from core.dataset import JSON_REASON_CODES

    found = set(JSON_REASON_CODES)
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = (node.value if isinstance(node, ast.keyword) and node.arg == "reason" else
                     node.value if isinstance(node, ast.Assign) and any(
                         isinstance(n, ast.Name) and n.id == "reason" for n in node.targets) else None)
            found |= _outcomes(value)
    return found


def _outcomes(expr: ast.expr | None) -> set[str]:
    """The string literals an expression can evaluate to ("a" if x else "b" gives both)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _outcomes(expr.body) | _outcomes(expr.orelse)
    return set()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_core_gives_has_words(lang):
    from ui.i18n import STRINGS

    codes = reasons()
    assert {"truncated", "comma", "csv_quote", "xlsx_zip"} <= codes
    for code in codes:
        assert STRINGS.get(f"dataset.reason.{code}", {}).get(lang), f"no {lang} words for the reason {code!r}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_of_binary_file_has_words(lang):
    from core import dataset_io
    from ui.i18n import STRINGS

    for kind in {*dataset_io._MAGIC.values(), "binary"}:
        assert STRINGS.get(f"dataset.kind.{kind}", {}).get(lang), f"no {lang} words for a file that looks like {kind}"
