"""The one plan of a training: tokens, packed samples, iterations per epoch and in all.

Computed the way XTuner 0.2.0's ``process_hf_dataset`` and its train loop do it, so the dataset
page, the config page (and its warmup check) and the run itself say the same number:

- each record becomes ``template_map_fn`` + ``encode_fn`` tokens (:func:`core.templates.token_lengths`,
  the app's one renderer), cut at ``max_length``; a record whose first answer is cut off entirely
  is dropped (XTuner filters samples without labels);
- with ``pack_to_max_length`` the records are shuffled, then split into ``map_num_proc`` contiguous
  shards (at most one per record), and each shard is packed on its own, 1,000 records at a time
  (``datasets``' batch): a batch that reaches ``max_length`` tokens gives whole chunks and carries
  the rest to the next batch (the rest of a shard's last batch is dropped); one that does not gives
  one short sample;
- iterations per epoch = ceil(packed / (batch size × GPUs)), and the run is ``max_epochs`` times
  that. The step count XTuner logs (``[i/N]``) is this: micro-batches, not optimizer steps
  (gradient accumulation does not change it).

The shuffle is random, so with shards that span more than ``max_length`` tokens the count can
differ by a few between runs; the plan then packs several seeded shuffles, gives the typical
count with the range seen, and says ``exact=False``.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import config as cfg
from core import dataset, templates
from core.dataset_stats import load_tokenizer, signature_key
from core.demo_model import is_demo_model

XTUNER_WORKERS = 32  # XTuner's map_num_proc unless the config sets it
PACK_BATCH = 1000  # datasets' default batch size for batched map (XTuner's Packer)
DISTINCT_LIMIT = 20_000  # distinct records tokenized exactly; beyond, a sample stands for the rest
SAMPLE = 2000


@dataclass(frozen=True)
class Settings:
    """What of a config decides the plan."""

    max_length: int = 2048
    pack: bool = True
    batch_size: int = 1
    max_epochs: int = 3
    template: str = "internlm2_chat"
    workers: int = XTUNER_WORKERS
    gpus: int = 1


@dataclass(frozen=True)
class Plan:
    records: int  # records in the file
    kept: int  # records XTuner keeps (some answer token left after truncation)
    tokens: int  # tokens of the kept records after truncation
    min: int
    median: float
    max: int
    over_max: int  # records longer than max_length (cut)
    packed: int  # training samples per epoch (the typical count when it depends on XTuner's shuffle)
    per_epoch: int  # iterations per epoch
    total: int  # iterations of the whole run, as XTuner's log counts them
    exact: bool  # False: from a sample of the records or one of the possible shuffles
    sampled: bool  # lengths measured on a sample of the distinct records
    measured: int  # distinct records tokenized
    packed_fewest: int  # the fewest and the most samples per epoch over the shuffles tried
    packed_most: int


def settings_from_source(source: str, *, gpus: int = 1, workers: int | None = None) -> Settings:
    """The plan's settings of a config's text (``workers``: a run's own override of ``map_num_proc``)."""
    values = cfg.read_settings(source)
    summary = cfg.config_summary(source)

    def num(key: str, default: Any) -> Any:
        v = values.get(key)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else default

    return Settings(max_length=int(num("max_length", 2048)), pack=values.get("pack_to_max_length", True) is not False,
                    batch_size=int(num("batch_size", 1)), max_epochs=int(num("max_epochs", 3)),
                    template=summary.get("template") or "internlm2_chat",
                    workers=int(workers or cfg.workers_of(source) or XTUNER_WORKERS), gpus=max(1, int(gpus)))


def newest_settings(configs: list[Path],
                    model: str | Path | None = None) -> tuple[Path | None, Settings, dict[str, Any]]:
    """(the config, its plan settings, its summary) of the newest saved config (``configs`` newest
    first); with none saved, of the config the config page starts from for ``model`` (the demo
    model's short CPU settings, else the default preset), and the path is None."""
    path = configs[0] if configs else None
    try:
        source = path.read_text(encoding="utf-8") if path else None
    except OSError:
        path, source = None, None
    if source is None and model:
        demo = is_demo_model(Path(str(model)))
        try:
            source = cfg.tutorial_config(str(model), "", cpu=demo, demo=demo)
        except cfg.RenderError:
            source = None
    if source is None:
        source = cfg.preset_source(cfg.DEFAULT_PRESET)
    return path, settings_from_source(source), cfg.config_summary(source)


def lengths(records: list[dict[str, Any]], tokenizer, template: str,
            seed: int = 0) -> tuple[list[tuple[int, int]], bool, int]:
    """(tokens, tokens before the first answer) of every record, in order; whether a sample of the
    distinct records stood for the rest; how many distinct records were tokenized."""
    index: dict[int, int] = {}  # a distinct record's key -> its number among the distinct ones
    firsts: list[int] = []  # where each distinct record is first (records are read again from there)
    which: list[int] = []
    for at, rec in enumerate(records):
        sig = signature_key(rec)
        if sig not in index:
            index[sig] = len(firsts)
            firsts.append(at)
        which.append(index[sig])
    if len(firsts) <= DISTINCT_LIMIT:
        measured = templates.token_lengths(tokenizer, template, [records[at] for at in firsts])
        return [measured[i] for i in which], False, len(firsts)
    rng = random.Random(seed)
    picked = rng.sample(range(len(firsts)), SAMPLE)
    measured = templates.token_lengths(tokenizer, template, [records[firsts[i]] for i in picked])
    known = dict(zip(picked, measured, strict=True))
    return [known.get(i) or measured[rng.randrange(SAMPLE)] for i in which], True, SAMPLE


def shard_bounds(n: int, shards: int) -> list[tuple[int, int]]:
    """``datasets``' contiguous shards: the first ``n % shards`` get one record more."""
    div, mod = divmod(n, shards)
    out, start = [], 0
    for i in range(shards):
        end = start + div + (1 if i < mod else 0)
        out.append((start, end))
        start = end
    return out


def pack_shard(sizes: list[int], max_length: int) -> int:
    """Samples XTuner's ``Packer`` makes of one shard (a fresh packer, batches of 1,000)."""
    count, residual = 0, 0
    for b in range(0, len(sizes), PACK_BATCH):
        total = residual + sum(sizes[b:b + PACK_BATCH])
        if total >= max_length:
            count += total // max_length
            residual = total % max_length
        else:
            count += 1
            residual = 0
    return count


def packed_range(sizes: list[int], max_length: int, pack: bool, workers: int,
                 shuffles: int | None = None) -> tuple[int, int, int]:
    """(typical, fewest, most) training samples per epoch for the kept records' truncated ``sizes``
    over ``shuffles`` seeded shuffles (XTuner's own is unseeded): all three equal when the count
    cannot depend on the order."""
    n = len(sizes)
    if n == 0:
        return 0, 0, 0
    if not pack:
        return n, n, n
    shards = max(1, min(int(workers), n))
    bounds = shard_bounds(n, shards)
    longest = max(e - s for s, e in bounds)
    # Every shard under max_length in any order: one short sample each, whatever the shuffle.
    if longest <= PACK_BATCH and sum(sorted(sizes, reverse=True)[:longest]) < max_length:
        return shards, shards, shards
    counts = []
    order = list(sizes)
    for seed in range(shuffles or (16 if n <= DISTINCT_LIMIT else 4)):
        random.Random(seed).shuffle(order)
        counts.append(sum(pack_shard(order[s:e], max_length) for s, e in bounds))
    return round(statistics.median(counts)), min(counts), max(counts)


def iterations(packed: int, batch_size: int, gpus: int) -> int:
    """Iterations per epoch: each GPU's share of the samples in micro-batches (DefaultSampler rounds up)."""
    if packed <= 0:
        return 0
    return math.ceil(math.ceil(packed / max(1, gpus)) / max(1, batch_size))


def plan(records: list[dict[str, Any]], tokenizer, s: Settings) -> Plan:
    """The plan of training ``records`` (valid ones, see :func:`core.dataset.validate`) with ``s``."""
    measured, sampled, distinct = lengths(records, tokenizer, s.template) if records else ([], False, 0)
    kept = [min(n, s.max_length) for n, prompt in measured if prompt < s.max_length]
    over = sum(1 for n, _ in measured if n > s.max_length)
    packed, fewest, most = packed_range(kept, s.max_length, s.pack, s.workers)
    per_epoch = iterations(packed, s.batch_size, s.gpus)
    cut = [min(n, s.max_length) for n, _ in measured] or [0]
    return Plan(records=len(records), kept=len(kept), tokens=sum(kept), min=min(cut),
                median=float(statistics.median(cut)), max=max(cut), over_max=over, packed=packed,
                per_epoch=per_epoch, total=per_epoch * int(s.max_epochs), exact=fewest == most and not sampled,
                sampled=sampled, measured=distinct, packed_fewest=fewest, packed_most=most)


def plan_for_dataset(dataset_path: Path, model: str | Path, s: Settings) -> Plan | None:
    """The plan of a dataset file's valid records; None when the file or the tokenizer cannot be read."""
    try:
        loaded = dataset.load(Path(dataset_path))
        tokenizer = load_tokenizer(model)
    except (ValueError, OSError):
        return None
    if not isinstance(loaded, list):
        return None
    return plan(dataset.without_problems(loaded, dataset.validate(loaded)), tokenizer, s)


def plan_for_config(config_path: Path, records: list[dict[str, Any]] | None = None, *, gpus: int = 1,
                    workers: int | None = None) -> Plan | None:
    """The plan of a saved config: its dataset (or ``records``) with its model's tokenizer; None when
    the dataset or the tokenizer cannot be read."""
    source = Path(config_path).read_text(encoding="utf-8")
    summary = cfg.config_summary(source)
    s = settings_from_source(source, gpus=gpus, workers=workers)
    if records is None:
        return plan_for_dataset(Path(str(summary["dataset"])), str(summary["model"]), s)
    try:
        tokenizer = load_tokenizer(str(summary["model"]))
    except (ValueError, OSError):
        return None
    return plan(records, tokenizer, s)
