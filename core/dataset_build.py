"""The dataset page's build: the records of the current inputs (identity rows or the tutorial's pairs,
mixed with general conversations), their problems and statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core import dataset, identity
from core import dataset_stats as dstats


@dataclass(frozen=True)
class Built:
    """What one set of inputs builds: ``records`` are the valid ones, ``content`` their cache key."""

    key: tuple
    mix: dataset.Mix
    problems: list[dataset.Problem]
    records: list[dict[str, Any]]
    content: str
    stats: dstats.Stats


def build(key: tuple, mode: str, ident: identity.Identity, rows: list[dict[str, str]], *, tutorial_n: int,
          repeat: int, general: list[dict[str, Any]], share: float) -> Built:
    """Build the dataset of the inputs: in ``"tutorial"`` mode the tutorial's two pairs ``tutorial_n``
    times, unmixed; otherwise the table's ``rows`` ``repeat`` times, mixed with ``general`` at ``share``.
    Records with problems are left out of ``records`` (and listed in ``problems``)."""
    if mode == "tutorial":
        mixed = dataset.mix(dataset.tutorial_records(ident.owner, tutorial_n), [], 0.0)
    else:
        mixed = dataset.mix(dataset.records_from_rows(rows, repeat), general, share)
    problems = dataset.validate(mixed.records) if mixed.records else []
    valid = dataset.without_problems(mixed.records, problems)
    questions = {r["question"] for r in rows} | {q for q, _ in dataset.tutorial_pairs(ident.owner)}
    return Built(key=key, mix=mixed, problems=problems, records=valid, content=dstats.content_key(valid),
                 stats=dstats.stats(valid, dstats.identity_matcher(questions, (ident.name, ident.owner))))
