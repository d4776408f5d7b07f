"""Structural edits of Python source: replace, insert or remove the spans of AST nodes.

Used on XTuner configs, which are Python: only the bytes of the nodes that change are
rewritten, so comments, formatting and every other line stay exactly as they were.
"""

from __future__ import annotations

import ast
import threading

# CPython 3.11's ast.parse keeps the depth of the tree it is building in per-interpreter state; when
# two threads parse at once (two tabs drawing the config page) and a garbage-collected object's
# __del__ lets the other thread run mid-way, one raises "SystemError: AST constructor recursion depth
# mismatch" (CPython gh-106905). Seen in the server's log with two tabs saving a config; reproduced
# with three threads parsing the tutorial's config while a fourth makes garbage with __del__:
# 6 errors in 8 s unlocked, none with this lock (tests/unit/test_parse_threads.py).
_PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse`` for every module of the app, one thread at a time (see :data:`_PARSE_LOCK`)."""
    with _PARSE_LOCK:
        return ast.parse(source)


class Editor:
    """Replace the source spans of AST nodes, leaving every other byte untouched."""

    def __init__(self, source: str):
        self.source = source
        self.data = source.encode("utf-8")
        self.tree = parse(source)
        self._line_start = [0]
        for line in self.data.splitlines(keepends=True):
            self._line_start.append(self._line_start[-1] + len(line))
        self._edits: list[tuple[int, int, bytes]] = []

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self._line_start[node.lineno - 1] + node.col_offset
        end = self._line_start[node.end_lineno - 1] + node.end_col_offset
        return start, end

    def replace(self, node: ast.AST, text: str) -> None:
        start, end = self.span(node)
        self._edits.append((start, end, text.encode("utf-8")))

    def insert_after(self, node: ast.AST, text: str) -> None:
        _, end = self.span(node)
        self._edits.append((end, end, text.encode("utf-8")))

    def _line_end(self, pos: int) -> int:
        """The offset of the line break that ends the line holding ``pos`` (or the end of the source)."""
        end = self.data.find(b"\n", pos)
        return len(self.data) if end < 0 else end

    def insert_line_after(self, node: ast.AST, text: str) -> None:
        """Insert ``text`` as a new line after the line where ``node`` ends (after any comment there)."""
        line_end = self._line_end(self.span(node)[1])
        self._edits.append((line_end, line_end, ("\n" + text).encode("utf-8")))

    def remove_following(self, prev: ast.AST, node: ast.AST) -> None:
        """Remove ``node`` and everything between it and ``prev`` (the element before it)."""
        _, start = self.span(prev)
        _, end = self.span(node)
        self._edits.append((start, end, b""))

    def remove_keyword(self, kw: ast.keyword) -> None:
        self.remove_item(kw)

    def remove_item(self, node: ast.AST) -> None:
        """Remove a keyword argument or a list element, with its comma (and its line when alone on it)."""
        start, end = self.span(node)
        data = self.data
        line_begin = data.rfind(b"\n", 0, start) + 1
        if data[line_begin:start].strip() == b"":
            start = line_begin
        while end < len(data) and data[end:end + 1] in b" \t":
            end += 1
        if data[end:end + 1] == b",":
            end += 1
        while end < len(data) and data[end:end + 1] in b" \t":
            end += 1
        if data[end:end + 1] == b"\n" and start == line_begin:
            end += 1
        self._edits.append((start, end, b""))

    def remove_statement(self, node: ast.stmt) -> None:
        """Remove a top-level statement with its line's trailing comment and line break."""
        start, end = self.span(node)
        line_end = self._line_end(end)
        if self.data[end:line_end].strip().startswith(b"#") or not self.data[end:line_end].strip():
            end = min(line_end + 1, len(self.data))
        self._edits.append((start, end, b""))

    def result(self) -> str:
        out = self.data
        last = None
        for start, end, text in sorted(self._edits, key=lambda e: (e[0], e[1]), reverse=True):
            if last is not None and end > last:
                raise ValueError("overlapping config edits")
            out = out[:start] + text + out[end:]
            last = start
        return out.decode("utf-8")

    # lookups
    def assignment(self, name: str) -> ast.Assign | None:
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return node
        return None


def kw(call: ast.AST, name: str) -> ast.keyword | None:
    if isinstance(call, ast.Call):
        for kw in call.keywords:
            if kw.arg == name:
                return kw
    return None


def set_keyword(ed: Editor, call: ast.Call, name: str, value_source: str) -> None:
    """Set ``name=value`` in a ``dict(...)``-style call: replace it, or add it after the last keyword."""
    existing = kw(call, name)
    if existing is not None:
        ed.replace(existing.value, value_source)
        return
    if not call.keywords:
        raise ValueError(f"cannot add {name} to a call without keywords")
    last = call.keywords[-1]
    start, _ = ed.span(last)
    line_begin = ed.data.rfind(b"\n", 0, start) + 1
    indent = ed.data[line_begin:start].decode("utf-8")
    if indent.strip() == "" and indent:
        ed.insert_after(last, f",\n{indent}{name}={value_source}")
    else:
        ed.insert_after(last, f", {name}={value_source}")
