"""What a dataset will do to training: duplicates, identity share, tokens, iterations, time.

The warnings here are the two ways identity fine-tuning goes wrong: a dataset that is
mostly copies of a few answers (the model memorizes them and forgets how to answer
anything else) and one with nothing but identity questions. Tokens, packed samples and
iterations are :mod:`core.plan`'s. A measured speed comes from the newest finished run's ``scalars.json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import dataset, identity, record_store

DUPLICATE_LIMIT = 0.9
IDENTITY_LIMIT = 0.9


def content_key(records: list[dict[str, Any]]) -> str:
    """A short hash of the records' content (for caching stats across reruns), a record at a time."""
    h = hashlib.blake2b(digest_size=12)
    for chunk in record_store.json_chunks(records):
        h.update(chunk)
    return h.hexdigest()


def signature(rec: dict[str, Any]) -> tuple:
    return tuple((t.get("system", ""), t.get("input", ""), t.get("output", "")) for t in rec["conversation"])


def signature_key(rec: dict[str, Any]) -> int:
    """:func:`signature` as a 64-bit hash, so that counting 300,000 distinct records keeps numbers, not
    their text (two distinct records among a million share one with odds of about 1 in 30 million)."""
    return hash(signature(rec))


@dataclass(frozen=True)
class Stats:
    records: int
    unique: int
    identity: int
    multi_turn: int

    @property
    def duplicates(self) -> int:
        return self.records - self.unique

    @property
    def duplicate_ratio(self) -> float:
        return self.duplicates / self.records if self.records else 0.0

    @property
    def general(self) -> int:
        return self.records - self.identity

    @property
    def identity_share(self) -> float:
        return self.identity / self.records if self.records else 0.0


def identity_matcher(questions: set[str] | frozenset[str] = frozenset(), names: tuple[str, ...] = ()):
    """A test for "is this record about who the assistant is": its first question is a known
    identity question, or its first answer names the assistant or its owner."""
    tutorial = {q for q, _ in dataset.tutorial_pairs("")}
    known = identity.library_questions() | {identity.normalize(q) for q in (*questions, *tutorial)}
    names = tuple(n for n in (s.strip() for s in names) if len(n) >= 2)

    def is_identity(rec: dict[str, Any]) -> bool:
        turn = rec["conversation"][0]
        if identity.normalize(turn.get("input", "")) in known:
            return True
        out = turn.get("output", "")
        return any(n in out for n in names)

    return is_identity


def stats(records: list[dict[str, Any]], is_identity=None) -> Stats:
    """Counts over valid records (see :func:`core.dataset.validate`)."""
    is_identity = is_identity or identity_matcher()
    seen: dict[int, bool] = {}
    ident = multi = 0
    for rec in records:
        sig = signature_key(rec)
        flag = seen.get(sig)
        if flag is None:
            flag = seen[sig] = is_identity(rec)
        ident += flag
        multi += len(rec["conversation"]) > 1
    return Stats(len(records), len(seen), ident, multi)


def warnings(s: Stats) -> list[str]:
    """Keys of the overfitting warnings that apply: duplicates, identity_only, no_identity."""
    out = []
    if s.records and s.duplicate_ratio > DUPLICATE_LIMIT:
        out.append("duplicates")
    if s.records and s.identity_share > IDENTITY_LIMIT:
        out.append("identity_only")
    if s.records and s.identity == 0:
        out.append("no_identity")
    return out


# ---------------------------------------------------------------- the tokenizer


def load_tokenizer(model_path: str | Path):
    """The model folder's tokenizer, from local files only (nothing is downloaded)."""
    from transformers import AutoTokenizer

    path = Path(str(model_path)).expanduser()
    if not path.is_dir():
        raise ValueError(f"there is no model folder {path}")
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True, trust_remote_code=True)


# ---------------------------------------------------------------- a measured speed
