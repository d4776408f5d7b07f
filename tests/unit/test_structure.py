"""The code's structure: no import cycles in core (imports inside functions counted), core never
imports Streamlit or the UI, and the programs started as child processes stand on their own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
# Run as scripts by the job machinery (``python core/<name>.py``): they must start without the app.
STANDALONE = ("job_runner.py", "xtuner_launcher.py", "xtuner_hooks.py")
# Run as scripts, but make the app importable first (their imports of it follow that set-up).
BOOTSTRAPPED = ("verify_model.py", "retry.py")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every module ``path`` imports, at any depth, with whether the import sits inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(fn) if n is not fn)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in inside) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in inside))
            found += [(f"{node.module}.{a.name}", id(node) in inside) for a in node.names]
    return found


def _graph() -> dict[str, set[str]]:
    mods = {_module(p): p for p in CORE.rglob("*.py")}
    return {m: {n for n, _ in _imports(p) if n in mods and n != m} for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, seen = [], set()

    def dfs(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == start and frozenset(path) not in seen:
                seen.add(frozenset(path))
                found.append(path + [start])
            elif nxt not in path and len(path) < 8:
                dfs(start, nxt, path + [nxt])

    for m in sorted(graph):
        dfs(m, m, [m])
    return found


def test_no_import_cycles_in_core_counting_imports_inside_functions():
    graph = _graph()
    assert len(graph) > 30 and any(graph.values())  # the graph was really read
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_core_never_imports_streamlit_or_the_ui():
    bad = [(p.name, n) for p in CORE.rglob("*.py") for n, _ in _imports(p)
           if n.split(".")[0] in ("streamlit", "ui", "pages")]
    assert bad == []


def test_child_process_programs_import_nothing_from_the_app():
    for name in STANDALONE:
        app = [n for n, _ in _imports(CORE / name) if n.split(".")[0] in ("core", "ui", "pages")]
        assert app == [], f"core/{name} is started as a program on its own and imports {app}"


def test_app_modules_are_imported_at_the_top_except_in_bootstrapped_scripts():
    # Lazy imports hid cycles once; only heavy libraries (torch, transformers, peft, ...) stay lazy.
    late = [(p.name, n) for p in CORE.rglob("*.py") if p.name not in BOOTSTRAPPED
            for n, in_function in _imports(p) if in_function and n.split(".")[0] in ("core", "ui")]
    assert late == []
