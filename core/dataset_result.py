"""What reading a dataset file gave: records (or a preview), problems by place, counts.

Shared by the readers of :mod:`core.dataset_io` (JSON, JSONL) and :mod:`core.dataset_tables`
(CSV, XLSX), which feed it one row at a time through :meth:`ImportResult.take`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core import identity
from core.dataset import Problem, problem
from core.record_store import Records

PREVIEW = 5  # records kept by a scan (keep=False)
KEPT_PROBLEMS = 1000  # problems kept with their place and content; the rest are only counted


@dataclass
class ImportResult:
    """What a file gave: usable records, problems by place, and how it was read.

    ``records`` holds every usable record when read with ``keep=True``, else the first
    :data:`PREVIEW`; ``usable``, ``bad_rows`` and ``problem_count`` count them all. They are a
    :class:`~core.record_store.Records`: read like a list, kept encoded (a large file's on disk).
    """

    records: Records = field(default_factory=Records)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    fmt: str = ""
    total: int = 0
    fatal: Problem | None = None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str | None] | None = None
    snippets: dict[int, str] = field(default_factory=dict)
    usable: int = 0
    bad_rows: int = 0
    problem_count: int = 0
    placeholders: bool = False  # an identity file: placeholders filled from the form, or waiting for it
    needs: list[str] = field(default_factory=list)  # "name"/"author": empty form values the file waits for
    keep: bool = True
    _braced: set[str] = field(default_factory=set, repr=False)
    _bare: set[str] = field(default_factory=set, repr=False)
    _bare_records: int = field(default=0, repr=False)
    _last_bad: tuple[str, int] | None = field(default=None, repr=False)

    @property
    def needs_mapping(self) -> bool:
        return self.fatal is None and self.fmt in ("csv", "xlsx") and self.mapping is None

    @property
    def filled_placeholders(self) -> bool:
        return self.placeholders and not self.needs

    def take(self, rec: dict[str, Any] | None, probs: list[Problem], source: Any = "") -> None:
        """Count one row: a usable record (kept while ``keep`` or for the preview) or its problems;
        ``source`` is the row as read, shown next to its first problems (text, or JSON made of it)."""
        if probs:
            where = (probs[0].unit, probs[0].index)
            if where != self._last_bad:
                self.bad_rows += 1
                self._last_bad = where
            self.problem_count += len(probs)
            if len(self.problems) < KEPT_PROBLEMS:
                self.problems.extend(probs)
                if probs[0].index not in self.snippets:
                    text = source if isinstance(source, str) else json.dumps(source, ensure_ascii=False)
                    self.snippets[probs[0].index] = text[:200]
            return
        self.usable += 1
        braced, bare = placeholders_in(rec)
        self._braced |= braced
        if bare:
            self._bare |= bare
            self._bare_records += 1
        if self.keep or len(self.records) < PREVIEW:
            self.records.append(rec)


def fatal(code: str, message: str, **values: Any) -> ImportResult:
    return ImportResult(fatal=problem("file", 0, code, message, **values))


def placeholders_in(rec: dict[str, Any] | None) -> tuple[set[str], set[str]]:
    """({{name}}-style, NAME-style) placeholder names in a record's texts."""
    braced: set[str] = set()
    bare: set[str] = set()
    for turn in (rec or {}).get("conversation", ()):
        for text in turn.values():
            if isinstance(text, str) and ("{{" in text or "NAME" in text or "AUTHOR" in text):
                braced |= identity.placeholder_names(text)
                bare |= identity.placeholder_names(text, True) - identity.placeholder_names(text)
    return braced, bare
