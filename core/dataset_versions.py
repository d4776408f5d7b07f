"""The dataset builder's inputs for a saved dataset file: kept with each save, found again on restore.

The dataset page builds ``assistant.json`` from a form (owner, name, question table, repeats,
general conversations and their share). Restoring an earlier version of the file must bring the
form back to what made that version, or every section of the page would disagree with the file.
Each save keeps the form's state keyed by the saved file's content (``.versions/builder/<hash>.json``);
a version saved before that, or a file written by hand, gets a state read back from its records
(:func:`state_from_records`) that builds exactly the same records.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from core import dataset, record_store
from core.workspace import VERSIONS_DIR, atomic_write_chunks, read_json

SNAPSHOTS = "builder"  # folder under .versions/ with one builder state per saved content
SHARE_STEP = 5  # the page's share slider moves in steps of 5 %
_TUTORIAL_ANSWER = re.compile(r"^我是(.+)的小助手，内在是上海AI实验室书生·浦语的1\.8B大模型哦$")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:24]


def file_signature(path: Path) -> str | None:
    """The content hash of a file (read a block at a time); None when there is none (used to notice a
    change on disk)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()[:24]
    except OSError:
        return None


def _snapshot_dir(dataset_path: Path) -> Path:
    return Path(dataset_path).parent / VERSIONS_DIR / SNAPSHOTS


def keep_snapshot(dataset_path: Path, state: dict[str, Any], general: list[dict[str, Any]]) -> None:
    """Remember ``state`` and ``general`` as what built the file now at ``dataset_path``; drop the
    snapshots of contents that are no longer the file or one of its kept versions."""
    sig = file_signature(dataset_path)
    if sig is None:
        return
    folder = _snapshot_dir(dataset_path)
    head = json.dumps({"state": state}, ensure_ascii=False, indent=2)[:-2]  # '{\n  "state": {...}'
    atomic_write_chunks(folder / f"{sig}.json", chain([head.encode("utf-8"), b',\n  "general": '],
                                                        record_store.json_chunks(general), [b"\n}\n"]))
    alive = {sig} | {s for s in (file_signature(v) for v in dataset.versions(dataset_path)) if s}
    for old in folder.glob("*.json"):
        if old.stem not in alive:
            old.unlink(missing_ok=True)


def snapshot(dataset_path: Path, data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The builder state kept for a file with content ``data``, if any."""
    found = read_json(_snapshot_dir(dataset_path) / f"{content_hash(data)}.json")
    if not isinstance(found, dict) or not isinstance(found.get("state"), dict):
        return None
    general = found.get("general") if isinstance(found.get("general"), list) else []
    return found["state"], dataset.without_problems(general, dataset.validate(general)) if general else []


def _pair(rec: dict[str, Any]) -> tuple[str, str] | None:
    """(question, answer) of a record the question table can hold (one turn, no system), else None."""
    turns = rec.get("conversation") if isinstance(rec, dict) else None
    if not isinstance(turns, list) or len(turns) != 1 or not isinstance(turns[0], dict):
        return None
    turn = turns[0]
    if set(turn) - {"input", "output"} or turn.get("system"):
        return None
    q, a = turn.get("input"), turn.get("output")
    fits = isinstance(q, str) and isinstance(a, str) and q and a and q == q.strip() and a == a.strip()
    return (q, a) if fits else None


def _tutorial(records: list[dict[str, Any]]) -> tuple[str, int] | None:
    """(owner, n) when ``records`` are exactly the tutorial's 2 + 2·n records."""
    first = _pair(records[0]) if records else None
    match = _TUTORIAL_ANSWER.match(first[1]) if first else None
    if not match or len(records) % 2:
        return None
    owner, n = match.group(1), (len(records) - 2) // 2
    return (owner, n) if records == dataset.tutorial_records(owner, n) else None


def _identity_part(records: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], int]:
    """The leading table rows and their repeat count: the table's records come first, each repeated
    ``repeat`` times in a row (the first run's length); whatever follows is general conversations."""
    runs: list[tuple[tuple[str, str], int]] = []
    i = 0
    while i < len(records) and (pair := _pair(records[i])) is not None:
        j = i
        while j < len(records) and records[j] == records[i]:
            j += 1
        runs.append((pair, j - i))
        i = j
    if not runs:
        return [], 1
    repeat = runs[0][1]
    rows: list[tuple[str, str]] = []
    for pair, length in runs:
        if length != repeat:
            break
        rows.append(pair)
    return rows, repeat


def _share_for(identity: int, general: int) -> int | None:
    """The smallest slider share (%) that takes all ``general`` records next to ``identity`` ones."""
    for pct in range(0, 100, SHARE_STEP):
        if pct / 100 > dataset.MAX_SHARE:
            break
        if dataset.general_needed(identity, pct / 100) >= general:
            return pct
    return None


def state_from_records(records: list[dict[str, Any]], form: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                     list[dict[str, Any]]]:
    """A builder state (on top of the current ``form``) and general conversations that build
    exactly ``records``: the tutorial's records as tutorial mode, else leading repeated rows as
    the table and the rest as general conversations mixed in at a share that takes them all."""
    state = dict(form)
    ident = (form.get("dataset.owner", ""), form.get("dataset.name", ""), form.get("dataset.desc_zh", ""),
             form.get("dataset.desc_en", ""), form.get("dataset.langs", "zh"))
    tutorial = _tutorial(records)
    if tutorial:
        owner, n = tutorial
        state.update({"dataset.mode": "tutorial", "dataset.owner": owner, "dataset.tutorial_n": n})
        return state, []
    rows, repeat = _identity_part(records)
    general = records[len(rows) * repeat:]
    share = _share_for(len(rows) * repeat, len(general)) if rows else form.get("dataset.share", 50)
    if share is None:  # more general conversations than the slider allows: all of them as general
        rows, repeat, general, share = [], 1, list(records), form.get("dataset.share", 50)
    state.update({"dataset.mode": "builder", "dataset.repeat": repeat, "dataset.share": share,
                  "rows": [{"question": q, "answer": a} for q, a in rows], "rows_for": list(ident)})
    return state, general


@dataclass(frozen=True)
class Restored:
    """What a restore made current: the builder state and general conversations for the page."""

    state: dict[str, Any]
    general: list[dict[str, Any]]
    exact: bool  # the state was kept when this content was saved (else read back from the records)
    kept: Path | None  # the previous current file, now a version


def builder_for(dataset_path: Path, data: bytes, form: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                list[dict[str, Any]], bool]:
    """(state, general, exact) for a dataset file with content ``data``."""
    kept = snapshot(dataset_path, data)
    if kept is not None:
        return kept[0], kept[1], True
    records = json.loads(data.decode("utf-8-sig"))
    return (*state_from_records(records, form), False)


def restore(dataset_path: Path, version: Path, form: dict[str, Any]) -> Restored:
    """Make ``version`` the current dataset (the current file is kept as a version) and its
    builder state the remembered one, so a reload shows it too. ``form`` fills what the file
    cannot say (owner, name…) when no state was kept with the version."""
    data = Path(version).read_bytes()
    kept = dataset.restore(dataset_path, version)
    state, general, exact = builder_for(dataset_path, data, form)
    dataset.save_builder(dataset_path, state, general)
    keep_snapshot(dataset_path, state, general)
    return Restored(state, general, exact, kept)
