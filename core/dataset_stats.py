"""What a dataset will do to training: duplicates, identity share, tokens, iterations, time.

The warnings here are the two ways identity fine-tuning goes wrong: a dataset that is
mostly copies of a few answers (the model memorizes them and forgets how to answer
anything else) and one with nothing but identity questions. Token counts follow XTuner's
``template_map_fn`` + ``encode_fn``; packed samples and iterations follow its packing in
32 shards. A measured speed comes from the newest finished run's ``scalars.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import dataset, identity

DUPLICATE_LIMIT = 0.9
IDENTITY_LIMIT = 0.9
TOKEN_SAMPLE = 2000
PACK_SHARDS = 32


def content_key(records: list[dict[str, Any]]) -> str:
    """A short hash of the records' content (for caching stats across reruns)."""
    return hashlib.blake2b(json.dumps(records, ensure_ascii=False).encode("utf-8"), digest_size=12).hexdigest()


def signature(rec: dict[str, Any]) -> tuple:
    return tuple((t.get("system", ""), t.get("input", ""), t.get("output", "")) for t in rec["conversation"])


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
    seen: dict[tuple, bool] = {}
    ident = multi = 0
    for rec in records:
        sig = signature(rec)
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


# ---------------------------------------------------------------- tokens


def load_tokenizer(model_path: str | Path):
    """The model folder's tokenizer, from local files only (nothing is downloaded)."""
    from transformers import AutoTokenizer

    path = Path(str(model_path)).expanduser()
    if not path.is_dir():
        raise ValueError(f"there is no model folder {path}")
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True, trust_remote_code=True)


@dataclass(frozen=True)
class TokenStats:
    min: int
    median: float
    max: int
    mean: float
    total: int  # estimated when sampled
    measured: int  # samples actually tokenized
    sampled: bool
    over_max: int  # samples longer than max_length (estimated when sampled)


def _bos_eos(tokenizer) -> tuple[list[int], list[int]]:
    """As XTuner's ``get_bos_eos_token_ids``."""
    name = type(tokenizer).__name__
    bos = [] if name in ("QWenTokenizer", "QWen2Tokenizer", "Qwen2TokenizerFast") else tokenizer.bos_token_id
    eos = tokenizer.eos_token_id
    return ([bos] if isinstance(bos, int) else list(bos or [])), ([eos] if isinstance(eos, int) else list(eos or []))


def sample_lengths(records: list[dict[str, Any]], tokenizer, template: dict[str, Any]) -> list[int]:
    """Tokens of each record as XTuner encodes it (before truncation)."""
    bos, eos = _bos_eos(tokenizer)
    suffix_as_eos = template.get("SUFFIX_AS_EOS", False)
    texts: list[str] = []
    shape: list[int] = []
    for rec in records:
        turns = rec["conversation"]
        shape.append(len(turns))
        for i, t in enumerate(turns):
            text = template["INSTRUCTION"].format(input=t.get("input") or "", round=i + 1)
            if t.get("system"):
                text = template.get("SYSTEM", "{system}\n").format(system=t["system"]) + text
            texts += [text, t.get("output", "") + template.get("SUFFIX", "")]
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    sep = len(tokenizer.encode(template["SEP"], add_special_tokens=False)) if template.get("SEP") else 0
    lengths, k = [], 0
    for n in shape:
        total = 0
        for i in range(n):
            total += len(ids[k]) + len(ids[k + 1]) + sep
            if i == 0 or not suffix_as_eos:
                total += len(bos)
            if not suffix_as_eos:
                total += len(eos)
            k += 2
        lengths.append(total)
    return lengths


def token_stats(records: list[dict[str, Any]], tokenizer, template: dict[str, Any], max_length: int,
                sample: int = TOKEN_SAMPLE, seed: int = 0) -> TokenStats | None:
    """Per-sample token counts; exact over distinct records when they are few, else from a random sample."""
    if not records:
        return None
    counts: dict[tuple, int] = {}
    firsts: dict[tuple, dict[str, Any]] = {}
    for rec in records:
        sig = signature(rec)
        counts[sig] = counts.get(sig, 0) + 1
        firsts.setdefault(sig, rec)
    if len(counts) <= sample:
        chosen, weights, sampled = list(firsts.values()), list(counts.values()), False
    else:
        chosen = random.Random(seed).sample(records, sample)
        weights, sampled = [1] * sample, True
    raw = sample_lengths(chosen, tokenizer, template)
    lengths = [min(n, max_length) for n in raw]
    over = sum(w for n, w in zip(raw, weights, strict=True) if n > max_length)
    weighted_total = sum(n * w for n, w in zip(lengths, weights, strict=True))
    measured_records = sum(weights)
    mean = weighted_total / measured_records
    expanded = sorted(zip(lengths, weights, strict=True))
    median = _weighted_median(expanded, measured_records)
    scale = len(records) / measured_records
    return TokenStats(min(lengths), median, max(lengths), mean, round(weighted_total * scale), len(chosen), sampled,
                      round(over * scale))


def _weighted_median(pairs: list[tuple[int, int]], total: int) -> float:
    half, acc = total / 2, 0
    for value, w in pairs:
        acc += w
        if acc >= half:
            return float(value)
    return float(pairs[-1][0])


# ---------------------------------------------------------------- packing and iterations


def packed_samples(records: int, total_tokens: int, max_length: int, pack: bool = True) -> int:
    """Training samples per epoch: XTuner packs each of 32 shards separately into max_length chunks
    (at least one per shard), so there are at least min(32, records) of them."""
    if records <= 0:
        return 0
    if not pack:
        return records
    shards = min(PACK_SHARDS, records)
    per_shard = total_tokens / shards
    return shards * max(1, math.floor(per_shard / max_length))


def iterations(packed: int, batch_size: int, gpus: int, epochs: int | float) -> int:
    """Training iterations: epochs × ceil(packed / (batch × gpus))."""
    if packed <= 0:
        return 0
    return int(math.ceil(epochs * math.ceil(packed / (max(1, batch_size) * max(1, gpus)))))


# ---------------------------------------------------------------- the config and a measured speed


def train_settings(configs: list[Path]) -> dict[str, Any]:
    """max_length, batch size, epochs, packing, template and system of the newest saved config
    (``configs`` newest first), else of the default preset; ``config`` says which file."""
    from core import config as cfg
    from core.templates import template_name_from_code

    path = configs[0] if configs else None
    try:
        source = path.read_text(encoding="utf-8") if path else cfg.preset_source(cfg.DEFAULT_PRESET)
    except OSError:
        path, source = None, cfg.preset_source(cfg.DEFAULT_PRESET)
    values = cfg.read_settings(source)
    summary = cfg.config_summary(source)
    tmpl = values.get("prompt_template")
    name = template_name_from_code(tmpl.source) if isinstance(tmpl, cfg.Code) else None

    def num(key: str, default: Any) -> Any:
        v = values.get(key)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else default

    return {
        "config": path, "max_length": int(num("max_length", 2048)), "batch_size": int(num("batch_size", 1)),
        "max_epochs": num("max_epochs", 3), "pack": values.get("pack_to_max_length", True) is not False,
        "template": name or "internlm2_chat", "system": summary.get("system") or "",
        "dataset": summary.get("dataset"),
    }


@dataclass(frozen=True)
class Speed:
    seconds_per_iter: float
    run: str
    max_length: int | None
    batch_size: int | None
    gpus: int | None


def measured_speed(run_dirs: list[Path]) -> Speed | None:
    """Median seconds per iteration of the newest succeeded run (``run_dirs`` newest first)."""
    from core import jobs, logs
    from core.runs import RunPaths

    for run_dir in run_dirs:
        try:
            status = jobs.status(run_dir)
        except Exception:  # a broken job record is just not a measurement
            continue
        if status.state != jobs.SUCCEEDED:
            continue
        times = [r["time"] for r in logs.read_scalars(RunPaths(run_dir).work_dir)
                 if isinstance(r.get("time"), (int, float))]
        if times:
            meta = status.record.get("meta", {})
            return Speed(statistics.median(times), Path(run_dir).name, meta.get("max_length"),
                         meta.get("batch_size"), meta.get("gpus"))
    return None
