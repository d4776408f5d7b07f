"""The code's structure: no import cycles in core (imports inside functions counted), core never
imports Streamlit or the UI, the programs started as child processes stand on their own, and every
session-state key of the pages and ui/ modules comes from ui/keys.py."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
# Run as scripts by the job machinery (``python core/<name>.py``): they must start without the app.
STANDALONE = ("job_runner.py", "xtuner_launcher.py", "xtuner_hooks.py")  # and every program in core/procs/
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
    procs = [str(p.relative_to(CORE)) for p in sorted((CORE / "procs").glob("*.py")) if p.name != "__init__.py"]
    assert len(procs) >= 3  # the programs were really found
    for name in (*STANDALONE, *procs):
        app = [n for n, _ in _imports(CORE / name) if n.split(".")[0] in ("core", "ui", "pages")]
        assert app == [], f"core/{name} is started as a program on its own and imports {app}"


def test_the_programs_in_core_procs_import_the_standard_library_and_what_they_run_only():
    # They run in XTuner's environment, apart from the app: mmengine to load a config, torch to see GPUs.
    allowed = set(sys.stdlib_module_names) | {"mmengine", "torch"}
    for path in sorted((CORE / "procs").glob("*.py")):
        extra = sorted({n.split(".")[0] for n, _ in _imports(path)} - allowed)
        assert extra == [], f"core/procs/{path.name} imports {extra}"


def test_app_modules_are_imported_at_the_top_except_in_bootstrapped_scripts():
    # Lazy imports hid cycles once; only heavy libraries (torch, transformers, peft, ...) stay lazy.
    late = [(p.name, n) for p in CORE.rglob("*.py") if p.name not in BOOTSTRAPPED
            for n, in_function in _imports(p) if in_function and n.split(".")[0] in ("core", "ui")]
    assert late == []


# ------------------------------------------------------------------ session-state keys
UI_SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")])
_STATE_METHODS = {"get", "pop", "setdefault", "__contains__", "__getitem__", "__setitem__", "__delitem__"}


def _is_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "session_state"


def _is_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def literal_state_keys(source: str) -> list[str]:
    """``line: key`` for each string literal (or f-string) used as a key of ``st.session_state``: indexed,
    deleted, read with get/pop/setdefault, tested with ``in``, or set through ``update({...})``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        keys: list[ast.AST] = []
        if isinstance(node, ast.Subscript) and _is_state(node.value):
            keys = [node.slice]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_state(node.func.value):
            if node.func.attr in _STATE_METHODS and node.args:
                keys = [node.args[0]]
            elif node.func.attr == "update":
                keys = [k for a in node.args if isinstance(a, ast.Dict) for k in a.keys if k is not None]
                keys += [ast.Constant(kw.arg) for kw in node.keywords if kw.arg]
        elif isinstance(node, ast.Compare) and any(_is_state(c) for c in node.comparators):
            keys = [node.left]
        found += [f"{node.lineno}: {ast.unparse(k)}" for k in keys if _is_literal(k)]
    return found


def test_pages_and_ui_take_every_session_state_key_from_ui_keys():
    assert len(UI_SOURCES) > 20
    found = [f"{p.relative_to(ROOT)}:{hit}" for p in UI_SOURCES
             for hit in literal_state_keys(p.read_text(encoding="utf-8"))]
    assert found == [], "session-state keys spelled as literals (put them in ui/keys.py):\n" + "\n".join(found)


def test_the_literal_key_finder_finds_every_way_of_using_a_key():
    source = """
st.session_state["a"] = 1
x = st.session_state.get("b")
st.session_state.pop(f"c.{n}", None)
st.session_state.setdefault("d", 0)
if "e" in st.session_state or "f" not in st.session_state:
    del st.session_state["g"]
st.session_state.update({"h": 1, K.OK: 2}, i=3)
st.session_state[K.OK] = st.session_state.get(K.OK) or st.session_state[key]
"""
    assert sorted(hit.split(": ", 1)[1] for hit in literal_state_keys(source)) == [
        "'a'", "'b'", "'d'", "'e'", "'f'", "'g'", "'h'", "'i'", "f'c.{n}'"]


def test_session_keys_are_named_for_their_page_and_never_shared():
    from ui import keys

    seen: dict[str, str] = {}
    for page in keys.PAGES:
        prefix = page.__name__.lower() + "."
        for name, value in vars(page).items():
            if name.startswith("_"):
                continue
            for key in value.values() if isinstance(value, dict) else [value]:
                assert key.startswith(prefix), f"{page.__name__}.{name} = {key!r} is not named {prefix}…"
                assert key not in seen, f"{key!r} is both {seen[key]} and {page.__name__}.{name}"
                seen[key] = f"{page.__name__}.{name}"


def _key_uses(path: Path) -> list[tuple[int, str, str]]:
    """``(line, class, name)`` for each ``K.NAME`` where ``K`` is a class imported from ui.keys."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    alias = {a.asname or a.name: a.name for n in ast.walk(tree)
             if isinstance(n, ast.ImportFrom) and n.module == "ui.keys" for a in n.names}
    return [(n.lineno, alias[n.value.id], n.attr) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in alias]


def test_every_key_used_is_defined_and_only_ui_flash_touches_the_flash_key():
    from ui import keys

    sources = [*UI_SOURCES, *sorted((ROOT / "tests").rglob("*.py"))]
    uses = {p: _key_uses(p) for p in sources}
    assert sum(map(len, uses.values())) > 100  # the uses were really read
    missing = [f"{p.relative_to(ROOT)}:{line}: {cls}.{name}" for p, found in uses.items()
               for line, cls, name in found if not hasattr(getattr(keys, cls), name)]
    assert missing == []
    flash = sorted({str(p.relative_to(ROOT)) for p, found in uses.items()
                    if any((cls, name) == ("App", "FLASH") for _, cls, name in found)})
    assert flash == ["ui/flash.py"], "messages after a rerun go through ui.flash (flash, show_flash)"
