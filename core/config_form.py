"""The config form's fields: which PART 1 settings people change, their limits, their checks.

Also picks the preset and prompt template that fit a model folder. Validation returns
``(field, message key, values)`` so the page can say, in the person's language, which
field is wrong and why; nothing here knows about widgets.
"""

from __future__ import annotations

import ast
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import attention, families, plan, pyedit, templates
from core import config as cfg
from core.demo_model import is_demo_model
from core.estimate import read_shape
from core.models import check_model_dir
from core.pyedit import Editor, kw
from core.workspace import versioned_write_text


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # int, float, bool, text, path, template, list
    minimum: float | None = None
    maximum: float | None = None
    group: str = "train"


WARMUP_MAX = 0.99
# Bound on the save check's mmengine load (a subprocess importing XTuner): a few seconds on an idle
# machine, a minute or more when other work shares the cores; only a hang should hit it.
LOAD_CHECK_TIMEOUT = 600

FIELDS: list[Field] = [
    Field("pretrained_model_name_or_path", "path", group="model"),
    Field("prompt_template", "template", group="model"),
    Field("max_length", "int", 64, 131072, group="data"),
    Field("pack_to_max_length", "bool", group="data"),
    Field("batch_size", "int", 1, 1024),
    Field("accumulative_counts", "int", 1, 4096),
    Field("max_epochs", "int", 1, 1000),
    Field("lr", "float", 1e-10, 1.0),
    Field("weight_decay", "float", 0.0, 10.0),
    Field("max_norm", "float", 1e-6, 1e6),
    Field("warmup_ratio", "float", 0.0, WARMUP_MAX),
    Field("save_steps", "int", 1, 10**9, group="save"),
    Field("save_total_limit", "int", -1, 10**6, group="save"),
    Field("evaluation_freq", "int", 1, 10**9, group="eval"),
    Field("SYSTEM", "text", group="eval"),
    Field("evaluation_inputs", "list", group="eval"),
]
FIELD_NAMES = [f.name for f in FIELDS]
LORA_LIMITS = {"r": (1, 1024), "lora_alpha": (1, 4096), "lora_dropout": (0.0, 0.9)}

Problem = tuple[str, str, dict[str, Any]]


def validate(values: dict[str, Any], *, dataset_path: str | None, lora: dict[str, Any] | None = None,
             iterations_per_epoch: int | None = None) -> list[Problem]:
    """Every out-of-range or missing value, as (field, message key, values).

    ``iterations_per_epoch`` (when the dataset has been counted and the preset warms up over
    ``warmup_ratio * max_epochs``, see :func:`core.config.has_epoch_warmup`) lets it refuse a
    warmup that does not work (see :func:`short_warmup`).
    """
    problems: list[Problem] = []
    for f in FIELDS:
        if f.name not in values:
            continue
        v = values[f.name]
        if f.kind in ("int", "float"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                problems.append((f.name, "config.err.number", {}))
                continue
            if f.kind == "int" and int(v) != v:
                problems.append((f.name, "config.err.whole", {}))
            if f.name == "save_total_limit" and v == 0:
                problems.append((f.name, "config.err.save_limit", {}))
            elif (f.minimum is not None and v < f.minimum) or (f.maximum is not None and v > f.maximum):
                problems.append((f.name, "config.err.range", {"min": f.minimum, "max": f.maximum}))
        elif f.kind == "path":
            problem = check_model_dir(v)
            if problem:
                problems.append((f.name, problem[0], problem[1]))
        elif f.kind == "template":
            name = templates.template_name_from_code(v.source) if isinstance(v, cfg.Code) else v
            if name not in templates.template_names():
                problems.append((f.name, "config.err.template", {"name": name}))
        elif f.kind == "list":
            items = [x for x in (v or []) if isinstance(x, str) and x.strip()]
            if not items:
                problems.append((f.name, "config.err.no_questions", {}))
    if dataset_path is not None:
        p = Path(dataset_path)
        if not str(dataset_path).strip():
            problems.append(("dataset", "config.err.no_dataset", {}))
        elif not p.is_file():
            problems.append(("dataset", "config.err.dataset_missing", {"path": str(p)}))
    short = short_warmup(values.get("warmup_ratio"), values.get("max_epochs"), iterations_per_epoch)
    if short is not None and not any(f == "warmup_ratio" for f, _, _ in problems):
        if short["least"] is None:
            key = "config.err.warmup_only_zero"
        else:
            key = "config.err.warmup_short" if short["iterations"] < 1 else "config.err.warmup_one"
        problems.append(("warmup_ratio", key, short))
    for key, (lo, hi) in LORA_LIMITS.items():
        if lora and key in lora and not (lo <= lora[key] <= hi):
            problems.append((key, "config.err.range", {"min": lo, "max": hi}))
    return problems


# The fewest warmup iterations that work. mmengine's LinearLR over ``n`` iterations starts at
# ``start_factor * lr`` and steps to ``lr`` by (n - 1) chained factors; with n = 1 there is no
# step, so the learning rate stays at ``start_factor * lr`` (1e-5 x in XTuner's presets), and
# CosineAnnealingLR, being chained too, anneals from there: the run cannot learn. n = 0 makes
# mmengine refuse to start ("end should be larger than begin").
MIN_WARMUP_ITERATIONS = 2


def warmup_iterations(ratio: float, epochs: float, iterations_per_epoch: int) -> int:
    """How many iterations the preset's warmup lasts, computed as mmengine does.

    The preset says ``end=warmup_ratio * max_epochs`` (epochs) and mmengine's
    ``build_iter_from_epoch`` makes it ``int(end * epoch_length)``; the cosine's ``begin`` is
    the same number, so the warmup is exactly that many iterations.
    """
    return int(ratio * epochs * iterations_per_epoch)


def short_warmup(ratio: Any, epochs: Any, iterations_per_epoch: int | None) -> dict[str, Any] | None:
    """When a warmup of ``ratio`` would not work: its length and the smallest ratio that does.

    It does not work under :data:`MIN_WARMUP_ITERATIONS` iterations (0: XTuner cannot start;
    1: the learning rate never leaves ``start_factor * lr``). A ratio of 0 is fine: the
    config then has no warmup entry at all (core.config.render removes it).
    """
    numbers = (ratio, epochs, iterations_per_epoch)
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in numbers):
        return None
    if ratio <= 0 or epochs < 1 or iterations_per_epoch < 1:
        return None
    iterations = warmup_iterations(ratio, epochs, iterations_per_epoch)
    if iterations >= MIN_WARMUP_ITERATIONS:
        return None
    total = int(epochs * iterations_per_epoch)
    least = math.ceil(100 * MIN_WARMUP_ITERATIONS / total) / 100
    while warmup_iterations(least, epochs, iterations_per_epoch) < MIN_WARMUP_ITERATIONS:
        least = round(least + 0.01, 2)
    steps = math.floor(ratio * epochs * iterations_per_epoch * 100) / 100  # never rounded up to "2.00"
    # Above the field's maximum (a run of one or two iterations): no warmup is the only choice.
    return {"ratio": ratio, "steps": f"{steps:.2f}", "total": total, "iterations": iterations,
            "least": f"{least:.2f}" if least <= WARMUP_MAX else None}


def lora_settings(source: str) -> dict[str, Any]:
    """r, lora_alpha and lora_dropout of the config's LoRA block (empty for full fine-tune)."""
    ed = Editor(source)
    model = ed.assignment("model")
    lora = kw(model.value, "lora") if model else None
    if lora is None or not isinstance(lora.value, ast.Call):
        return {}
    out = {}
    for key in LORA_LIMITS:
        k = kw(lora.value, key)
        if k is not None:
            try:
                out[key] = ast.literal_eval(k.value)
            except ValueError:
                pass
    return out


def _size_b(model_dir: str | Path) -> float:
    shape = read_shape(Path(model_dir))
    return shape.params / 1e9 if shape else 0.0


def suggest_preset(model_dir: str | Path | None) -> str:
    """The XTuner preset that best fits a model folder (the tutorial's for InternLM2-1.8B).

    The family comes from the folder's config and tokenizer (:mod:`core.families`): a Llama whose
    tokenizer has Llama-3's chat tokens gets the Llama-3 preset whatever its vocabulary size.
    """
    if not model_dir or is_demo_model(Path(model_dir)):
        return cfg.DEFAULT_PRESET
    folder = families.read(model_dir)
    mtype = folder.model_type
    size = _size_b(model_dir)
    candidates: list[str] = []
    if mtype == "internlm2":
        candidates = ["internlm2_chat_1_8b_qlora_alpaca_e3"] if size < 4 else (
            ["internlm2_chat_7b_qlora_alpaca_e3"] if size < 12 else ["internlm2_chat_20b_qlora_alpaca_e3"])
    elif mtype == "llama":
        candidates = ["llama3_8b_instruct_qlora_alpaca_e3" if folder.llama3_chat else "llama2_7b_chat_qlora_alpaca_e3"]
    elif mtype in ("qwen2", "qwen2_moe"):
        for limit, name in ((1, "qwen1_5_0_5b_chat"), (3, "qwen1_5_1_8b_chat"), (5.5, "qwen1_5_4b_chat"),
                            (10, "qwen1_5_7b_chat"), (20, "qwen1_5_14b_chat"), (1e9, "qwen1_5_72b_chat")):
            if size < limit:
                candidates = [f"{name}_qlora_alpaca_e3"]
                break
    elif mtype == "gemma":
        candidates = ["gemma_2b_it_qlora_alpaca_e3" if size < 4 else "gemma_7b_it_qlora_alpaca_e3"]
    elif mtype in ("phi3", "phi"):
        candidates = ["phi3_mini_4k_instruct_qlora_alpaca_e3"]
    known = cfg.presets()
    for name in candidates:
        if name in known:
            return name
    return cfg.DEFAULT_PRESET


def suggest_template(model_dir: str | Path | None) -> str:
    """XTuner's prompt template for a model folder's chat format (``internlm2_chat`` when unknown)."""
    if not model_dir or is_demo_model(Path(model_dir)):
        return "internlm2_chat"
    folder = families.read(model_dir)
    mtype = folder.model_type
    if mtype == "llama":
        return "llama3_chat" if folder.llama3_chat else "llama2_chat"
    return {"internlm2": "internlm2_chat", "qwen2": "qwen_chat", "qwen2_moe": "qwen_chat", "gemma": "gemma",
            "phi3": "phi3_chat", "mistral": "mistral", "mixtral": "mixtral"}.get(mtype or "", "internlm2_chat")


def save_config(path: Path, text: str, keys: list[str] | None = None) -> tuple[bool, str, Path | None]:
    """Check ``text`` (Python syntax, then a real mmengine load in a subprocess) and save it.

    Returns (saved, message, kept previous version). Nothing is written unless the whole
    file loads; the previous file is kept under ``.versions/``.
    """
    try:
        pyedit.parse(text)
    except SyntaxError as exc:
        return False, f"syntax:{exc.lineno}:{exc.msg}", None
    path = Path(path)
    # A file of its own per save: two tabs saving the same config at once (or a tab reloaded during a
    # slow check and saved again) must not remove the file the other one's check is reading.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".check-{path.stem}-", suffix=".py", dir=path.parent)
    check = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        values, output = cfg.load_with_mmengine(check, keys or ["pretrained_model_name_or_path"],
                                                timeout=LOAD_CHECK_TIMEOUT)
    finally:
        check.unlink(missing_ok=True)
    if values is None:
        lines = [ln for ln in output.strip().splitlines() if ln.strip()]
        return False, "\n".join(lines[-12:]), None
    kept = versioned_write_text(path, text)
    return True, "", kept


def activation_checkpointing(source: str) -> bool:
    """Whether the config trains with activation checkpointing (XTuner's default: on)."""
    ed = Editor(source)
    model = ed.assignment("model")
    flag = kw(model.value, "use_activation_checkpointing") if model else None
    if flag is None:
        return True
    try:
        return bool(ast.literal_eval(flag.value))
    except ValueError:
        return True


@dataclass(frozen=True)
class FormValues:
    """Everything the config page's form holds, with every rule about it: ``validate`` (all that
    can block a save, as :data:`Problem` items) and ``render`` (the config text to save). The page
    only maps widgets to these fields and words the problems."""

    preset: str
    model: str
    dataset: str
    template: str
    max_length: int
    pack: bool
    batch_size: int
    accumulative_counts: int
    max_epochs: int
    lr: float
    weight_decay: float
    max_norm: float
    warmup_ratio: float
    save_steps: int
    save_total_limit: int
    evaluation_freq: int
    system: str
    questions: tuple[str, ...]
    method: str
    cpu: bool
    precision: str
    checkpointing: bool
    half_frozen: bool
    attention: str
    workers: int
    lora_r: int
    lora_alpha: int
    lora_dropout: float
    sample_tokens: int

    SAMPLE_TOKENS = (8, 2048)
    WORKERS = (1, 256)

    def settings(self) -> dict[str, Any]:
        """The PART 1 settings (XTuner's variable names) as the config will hold them."""
        return {
            "pretrained_model_name_or_path": self.model.strip(),
            "prompt_template": cfg.Code(f"PROMPT_TEMPLATE.{self.template}"),
            "max_length": int(self.max_length), "pack_to_max_length": bool(self.pack),
            "batch_size": int(self.batch_size), "accumulative_counts": int(self.accumulative_counts),
            "max_epochs": int(self.max_epochs), "lr": float(self.lr), "weight_decay": float(self.weight_decay),
            "max_norm": float(self.max_norm), "warmup_ratio": float(self.warmup_ratio),
            "save_steps": int(self.save_steps), "save_total_limit": int(self.save_total_limit),
            "evaluation_freq": int(self.evaluation_freq), "SYSTEM": self.system.strip(),
            "evaluation_inputs": [q.strip() for q in self.questions if q.strip()],
        }

    def lora(self) -> dict[str, Any] | None:
        if self.method == "full":
            return None
        return {"r": int(self.lora_r), "lora_alpha": int(self.lora_alpha), "lora_dropout": float(self.lora_dropout)}

    def sizes_sane(self) -> bool:
        """The numbers estimates divide by are positive (``validate`` words the error when not)."""
        sizes = (self.max_length, self.batch_size, self.max_epochs, self.evaluation_freq,
                 self.lora_r if self.method != "full" else 1)
        return all(isinstance(v, (int, float)) and v >= 1 for v in sizes)

    def sample_tokens_sane(self) -> bool:
        lo, hi = self.SAMPLE_TOKENS
        return lo <= self.sample_tokens <= hi

    def plan_settings(self) -> plan.Settings:
        """What of the form decides the training plan (:mod:`core.plan`), on one GPU."""
        return plan.Settings(max_length=int(self.max_length), pack=bool(self.pack), batch_size=int(self.batch_size),
                             max_epochs=int(self.max_epochs), template=self.template,
                             workers=max(1, int(self.workers)))

    def validate(self, iterations_per_epoch: int | None = None) -> list[Problem]:
        """Every reason not to save, as (field, message key, values); ``iterations_per_epoch`` (the
        dataset counted, for presets that warm up over epochs) lets it refuse a warmup that cannot work."""
        warmup_known = iterations_per_epoch is not None and cfg.has_epoch_warmup(cfg.preset_source(self.preset))
        problems = validate(self.settings(), dataset_path=self.dataset, lora=self.lora(),
                            iterations_per_epoch=iterations_per_epoch if warmup_known else None)
        lo, hi = self.SAMPLE_TOKENS
        if not self.sample_tokens_sane():
            problems.append(("sample_max_new_tokens", "config.err.range", {"min": lo, "max": hi}))
        if self.method == "qlora" and self.cpu:
            problems.append(("method", "config.err.qlora_cpu", {}))
        if self.cpu and self.attention == attention.FLASH:
            problems.append(("attention", "config.err.flash_cpu", {}))
        lo, hi = self.WORKERS
        if not lo <= self.workers <= hi:
            problems.append(("workers", "config.err.range", {"min": lo, "max": hi}))
        return problems

    def render(self) -> str:
        """The config text: the preset with the settings that differ from it and every edit applied.

        Raises :class:`core.config.RenderError` when the preset cannot take them (e.g. QLoRA on a
        preset without 4-bit settings)."""
        source = cfg.preset_source(self.preset)
        preset_values = cfg.read_settings(source)
        changed = {k: v for k, v in self.settings().items() if k in preset_values and preset_values[k] != v}
        return cfg.render(source, changed, dataset_path=self.dataset.strip(), method=self.method, cpu=self.cpu,
                          lora=self.lora(), activation_checkpointing=self.checkpointing,
                          precision=None if self.cpu else self.precision, sample_max_new_tokens=int(self.sample_tokens),
                          half_frozen_weights=bool(self.half_frozen), attention=self.attention,
                          workers=None if int(self.workers) == cfg.XTUNER_WORKERS else max(1, int(self.workers)))


def cpu_blocks(method: str) -> bool:
    """QLoRA needs a GPU (bitsandbytes' 4-bit weights): a CPU run of such a config cannot start."""
    return method == "qlora"
