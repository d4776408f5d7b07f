"""XTuner presets, read and edit their PART 1 settings, render and validate a config.

XTuner configs are Python; their settings block (PART 1) is the user interface. Edits
here are structural: the file is parsed with :mod:`ast` and only the spans of the nodes
that change are rewritten, so the rest of the preset stays exactly as XTuner wrote it.
Applied on top of a preset:

- PART 1 values (model path, dataset path, template, lengths, batch, lr, ...);
- the tutorial's dataset edits (``load_dataset('json', data_files=...)``,
  ``dataset_map_fn=None``) so the identity dataset is read as it is;
- the method (QLoRA / LoRA / full fine-tune);
- the CPU adaptation when there is no GPU (plain ``OptimWrapper``, no 4-bit, fp32).

A rendered config is validated by loading it with mmengine in a subprocess (it is Python
and runs code, so never inside the app process).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core import attention as attn
from core import procs, pyedit
from core.pyedit import Editor as _Editor
from core.pyedit import kw as _kw
from core.pyedit import set_keyword
from core.templates import template_name_from_code
from core.xtuner_cli import HOOKS_MODULE, app_path_env, uses_app_hooks  # noqa: F401 (uses_app_hooks: for callers)

DEFAULT_PRESET = "internlm2_chat_1_8b_qlora_alpaca_e3"
METHODS = ("qlora", "lora", "full")


@dataclass(frozen=True)
class Code:
    """A Python expression kept as source (e.g. ``PROMPT_TEMPLATE.internlm2_chat``)."""

    source: str


# ---------------------------------------------------------------- presets


class RenderError(ValueError):
    """A preset that cannot take an edit; ``code`` and ``values`` let the page say it in words."""

    def __init__(self, code: str, message: str, **values: Any):
        super().__init__(message)
        self.code = code
        self.values = values


@lru_cache(maxsize=1)
def _configs_root() -> Path:
    spec = importlib.util.find_spec("xtuner")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("XTuner is not installed in this Python")
    return Path(list(spec.submodule_search_locations)[0]) / "configs"


@lru_cache(maxsize=1)
def presets() -> dict[str, Path]:
    """All of XTuner's built-in configs: name → file (what ``xtuner list-cfg`` lists)."""
    found = {}
    for path in _configs_root().rglob("*.py"):
        if path.name.startswith("_") or "__pycache__" in path.parts:
            continue
        found[path.stem] = path
    return dict(sorted(found.items()))


def find_presets(pattern: str = "") -> list[str]:
    """Preset names containing ``pattern`` (case-insensitive), like ``xtuner list-cfg -p``."""
    pattern = pattern.lower()
    return [name for name in presets() if pattern in name.lower()]


def preset_source(name: str) -> str:
    try:
        return presets()[name].read_text(encoding="utf-8")
    except KeyError:
        raise ValueError(f"XTuner has no preset named {name!r}") from None


def _render_value(value: Any) -> str:
    if isinstance(value, Code):
        return value.source
    return repr(value)


# ---------------------------------------------------------------- reading


def read_settings(source: str) -> dict[str, Any]:
    """Top-level assignments of a config: literal values as Python objects, others as Code."""
    tree = pyedit.parse(source)
    lines = _LINE_RE.findall(source)  # split once: ast.get_source_segment splits the whole source per call
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError):
                values[node.targets[0].id] = Code(_segment(lines, node.value))
    return values


_LINE_RE = re.compile(r".*?(?:\r\n|\r|\n)|.+\Z", re.S)


def _segment(lines: list[str], node: ast.expr) -> str:
    """``ast.get_source_segment`` on source already split into ``lines`` (offsets count UTF-8 bytes)."""
    if node.end_lineno is None or node.end_col_offset is None:
        return ""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first].encode()[node.col_offset:node.end_col_offset].decode()
    head = lines[first].encode()[node.col_offset:].decode()
    tail = lines[last].encode()[:node.end_col_offset].decode()
    return "".join([head, *lines[first + 1:last], tail])


def dataset_path_variable(source: str) -> str | None:
    """The PART 1 name that holds the training data path (``alpaca_en_path`` in the tutorial)."""
    ed = _Editor(source)
    call = _find_dataset_call(ed)
    if call is None:
        return None
    inner = _kw(call, "dataset")
    if inner is None:
        return None
    for key in ("data_files", "path"):
        kw = _kw(inner.value, key)
        if kw is None:
            continue
        value = kw.value
        if isinstance(value, ast.Call):  # data_files=dict(train=NAME)
            train = _kw(value, "train")
            value = train.value if train else value
        if isinstance(value, ast.Name):
            return value.id
    return None


def method_of(source: str) -> str:
    """qlora, lora or full, as the config stands."""
    ed = _Editor(source)
    model = ed.assignment("model")
    llm = _kw(model.value, "llm") if model else None
    lora = _kw(model.value, "lora") if model else None
    quant = _kw(llm.value, "quantization_config") if llm else None
    has_lora = lora is not None and not (isinstance(lora.value, ast.Constant) and lora.value.value is None)
    has_quant = quant is not None and not (isinstance(quant.value, ast.Constant) and quant.value.value is None)
    if not has_lora:
        return "full"
    return "qlora" if has_quant else "lora"


def _find_dataset_call(ed: _Editor) -> ast.Call | None:
    for node in ed.tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _kw(node.value, "dataset") is not None and _kw(node.value, "dataset_map_fn") is not None:
                return node.value
    return None


# ---------------------------------------------------------------- rendering


def render(
    source: str,
    settings: dict[str, Any] | None = None,
    *,
    dataset_path: str | None = None,
    method: str | None = None,
    cpu: bool = False,
    lora: dict[str, Any] | None = None,
    activation_checkpointing: bool | None = None,
    precision: str | None = None,
    sample_max_new_tokens: int | None = None,
    half_frozen_weights: bool | None = None,
    attention: str | None = None,
    workers: int | None = None,
) -> str:
    """Apply PART 1 settings, the tutorial's dataset edits, the method and the CPU adaptation.

    ``lora`` sets ``r``/``lora_alpha``/``lora_dropout``; ``precision`` ("bf16" or "fp16")
    sets the GPU compute dtype; ``activation_checkpointing`` and ``sample_max_new_tokens``
    (the length of EvaluateChatHook's answers) change the model and hook settings.
    ``half_frozen_weights`` adds (True) or removes (False) the hook that keeps a LoRA model's
    frozen weights in bf16 instead of fp32 (:mod:`core.xtuner_hooks`). It is added only to LoRA
    (not QLoRA or full) with ``precision="bf16"`` on a GPU, the case measured; otherwise removed.
    ``attention`` ("eager", "sdpa", "flash_attention_2") is passed to the model's ``from_pretrained``
    (:mod:`core.attention`; "" removes it, so XTuner decides); ``workers`` sets how many processes
    tokenize the dataset (XTuner's ``map_num_proc``, 32 unless set).
    """
    settings = dict(settings or {})
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    ed = _Editor(source)
    data_var = dataset_path_variable(source)
    if dataset_path is not None:
        if data_var is None:
            raise RenderError("no_dataset_var", "this preset has no dataset path setting that can be changed")
        settings[data_var] = str(dataset_path)

    for name, value in settings.items():
        node = ed.assignment(name)
        if node is None:
            raise RenderError("no_setting", f"the config has no setting named {name!r}", name=name)
        ed.replace(node.value, _render_value(value))

    call = _find_dataset_call(ed)
    if call is not None and data_var is not None:
        inner = _kw(call, "dataset")
        ed.replace(inner.value, f"dict(type=load_dataset, path='json', data_files=dict(train={data_var}))")
        ed.replace(_kw(call, "dataset_map_fn").value, "None")

    model = ed.assignment("model")
    llm = _kw(model.value, "llm") if model else None
    quant = _kw(llm.value, "quantization_config") if llm else None
    dtype = _kw(llm.value, "torch_dtype") if llm else None
    lora_kw = _kw(model.value, "lora") if model else None
    lora_call = lora_kw
    if method in ("lora", "full") or cpu:
        if quant is not None:
            ed.replace(quant.value, "None")
    if method == "qlora" and (quant is None or (isinstance(quant.value, ast.Constant))):
        raise RenderError("no_4bit", "this preset has no 4-bit settings; choose LoRA or a QLoRA preset")
    if method in ("lora", "qlora") and lora_call is None:
        raise RenderError("no_lora", "this preset has no LoRA settings; choose full fine-tune or a LoRA preset")
    if method == "full" and lora_call is not None:
        ed.replace(lora_call.value, "None")
    if lora and lora_kw is not None and isinstance(lora_kw.value, ast.Call) and method != "full":
        for key, value in lora.items():
            set_keyword(ed, lora_kw.value, key, repr(value))
    if activation_checkpointing is not None and model is not None:
        set_keyword(ed, model.value, "use_activation_checkpointing", repr(bool(activation_checkpointing)))
    if sample_max_new_tokens is not None:
        hook = _evaluate_hook(ed)
        if hook is not None:
            set_keyword(ed, hook, "max_new_tokens", repr(int(sample_max_new_tokens)))
    warmup = settings.get("warmup_ratio", read_settings(source).get("warmup_ratio"))
    if isinstance(warmup, (int, float)) and not isinstance(warmup, bool) and warmup == 0:
        _drop_warmup(ed)
    if cpu:
        if dtype is not None:
            ed.replace(dtype.value, "torch.float32")
        _adapt_optim_for_cpu(ed)
    elif precision is not None:
        _set_precision(ed, precision, dtype, quant if method == "qlora" or method is None else None)
    if half_frozen_weights is not None:
        applies = half_frozen_applies(method or method_of(source), precision, cpu)
        _set_half_frozen_weights(ed, bool(half_frozen_weights) and applies)
    if attention is not None and llm is not None and isinstance(llm.value, ast.Call):
        if attention not in ("", *ATTENTIONS):
            raise ValueError(f"attention must be one of {ATTENTIONS}")
        if attention:
            set_keyword(ed, llm.value, "attn_implementation", repr(attention))
        elif (found := _kw(llm.value, "attn_implementation")) is not None:
            ed.remove_keyword(found)
    if workers is not None and call is not None:
        if int(workers) < 1:
            raise ValueError("workers must be at least 1")
        set_keyword(ed, call, "map_num_proc", repr(int(workers)))
    return ed.result()


ATTENTIONS = ("eager", "sdpa", "flash_attention_2")
XTUNER_WORKERS = 32  # XTuner's own number of tokenizing processes (map_num_proc)


def default_workers(model_path: str | Path | None = None) -> int | None:
    """Tokenization processes to write into a config, or None to keep XTuner's (32).

    One for a tokenizer with its own code (InternLM2's): on a 16-core GPU host its worker processes
    died every time (datasets could not send them the fast tokenizer), while one process prepared the
    tutorial's 16,002 records in under 25 s (benchmarks/RESULTS.md). Otherwise XTuner's 32 stay:
    XTuner packs each process's share of the data separately, so the number of processes changes
    the packed samples and the steps per epoch (the demo data: 32 packed samples per epoch with 32,
    22 with 2, which made the demo's 3 % warmup one step long, a run that cannot learn).
    """
    import json

    if model_path is None:
        return None
    try:
        tok = json.loads(Path(model_path, "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return 1 if isinstance(tok, dict) and "AutoTokenizer" in (tok.get("auto_map") or {}) else None


def workers_of(source: str) -> int | None:
    """The config's ``map_num_proc`` (None: XTuner's default, 32)."""
    ed = _Editor(source)
    call = _find_dataset_call(ed)
    found = _kw(call, "map_num_proc") if call is not None else None
    try:
        return int(ast.literal_eval(found.value)) if found is not None else None
    except (ValueError, TypeError):
        return None


HALF_HOOK = "HalfPrecisionFrozenWeights"
HALF_HOOK_IMPORT = f"from {HOOKS_MODULE} import {HALF_HOOK}"


def half_frozen_applies(method: str | None, precision: str | None, cpu: bool) -> bool:
    """Whether the frozen-weights hook is used: LoRA in bf16 on a GPU, the one case measured."""
    return method == "lora" and precision == "bf16" and not cpu


def _set_half_frozen_weights(ed: _Editor, on: bool) -> None:
    items = _typed_items(ed, "custom_hooks", HALF_HOOK)
    imports = [n for n in ed.tree.body if isinstance(n, ast.ImportFrom) and n.module == HOOKS_MODULE]
    if not on:
        elts = ed.assignment("custom_hooks").value.elts if items else []
        for item in items:
            i = next(k for k, e in enumerate(elts) if e is item)
            if i == len(elts) - 1 and i > 0:  # as added: undo exactly, whatever the list's layout
                ed.remove_following(elts[i - 1], item)
            else:
                ed.remove_item(item)
        for node in imports:
            ed.remove_statement(node)
        return
    hooks = ed.assignment("custom_hooks")
    if items or hooks is None or not isinstance(hooks.value, ast.List):
        return
    if hooks.value.elts:
        ed.insert_after(hooks.value.elts[-1], f",\n    dict(type={HALF_HOOK})")
    else:
        ed.replace(hooks.value, f"[dict(type={HALF_HOOK})]")
    if not imports:
        last_import = [n for n in ed.tree.body if isinstance(n, (ast.Import, ast.ImportFrom))][-1]
        ed.insert_line_after(last_import, f"{HALF_HOOK_IMPORT}  # LoRA: frozen weights in bf16, not fp32")


def _typed_items(ed: _Editor, name: str, type_name: str) -> list[ast.AST]:
    """The ``dict(type=type_name, ...)`` items of the list assigned to ``name``."""
    node = ed.assignment(name)
    if node is None or not isinstance(node.value, ast.List):
        return []
    return [item for item in node.value.elts
            if (t := _kw(item, "type")) is not None and isinstance(t.value, ast.Name) and t.value.id == type_name]


def _warmup_entry(ed: _Editor) -> ast.AST | None:
    """param_scheduler's LinearLR entry whose ``end`` is computed from ``warmup_ratio``, if any."""
    for item in _typed_items(ed, "param_scheduler", "LinearLR"):
        end = _kw(item, "end")
        if end is not None and any(isinstance(n, ast.Name) and n.id == "warmup_ratio" for n in ast.walk(end.value)):
            return item
    return None


def has_epoch_warmup(source: str) -> bool:
    """The preset warms up over ``warmup_ratio * max_epochs`` epochs (most XTuner presets; some
    have no warmup, some count it in steps), which is what the short-warmup check assumes."""
    ed = _Editor(source)
    item = _warmup_entry(ed)
    if item is None:
        return False
    names = {n.id for n in ast.walk(_kw(item, "end").value) if isinstance(n, ast.Name)}
    return names == {"warmup_ratio", "max_epochs"}


def _drop_warmup(ed: _Editor) -> None:
    """No warmup: remove param_scheduler's LinearLR entry that runs until ``warmup_ratio * max_epochs``.

    mmengine refuses a scheduler that ends where it begins ("end should be larger than begin"),
    so warmup_ratio = 0 with the entry left in would save a config that cannot start.
    """
    item = _warmup_entry(ed)
    if item is not None:
        ed.remove_item(item)


def _evaluate_hook(ed: _Editor) -> ast.Call | None:
    return next(iter(_typed_items(ed, "custom_hooks", "EvaluateChatHook")), None)


def _set_precision(ed: _Editor, precision: str, dtype: ast.keyword | None, quant: ast.keyword | None) -> None:
    if precision not in ("bf16", "fp16"):
        raise ValueError("precision must be bf16 or fp16")
    torch_name = "torch.bfloat16" if precision == "bf16" else "torch.float16"
    if dtype is not None:
        ed.replace(dtype.value, torch_name)
    if quant is not None and isinstance(quant.value, ast.Call):
        compute = _kw(quant.value, "bnb_4bit_compute_dtype")
        if compute is not None:
            ed.replace(compute.value, torch_name)
    optim = ed.assignment("optim_wrapper")
    if optim is not None and isinstance(optim.value, ast.Call):
        amp_dtype = _kw(optim.value, "dtype")
        if amp_dtype is not None:
            ed.replace(amp_dtype.value, repr("bfloat16" if precision == "bf16" else "float16"))


def _adapt_optim_for_cpu(ed: _Editor) -> None:
    optim = ed.assignment("optim_wrapper")
    if optim is None or not isinstance(optim.value, ast.Call):
        return
    type_kw = _kw(optim.value, "type")
    if type_kw is not None and isinstance(type_kw.value, ast.Name) and type_kw.value.id == "AmpOptimWrapper":
        ed.replace(type_kw.value, "OptimWrapper")
        for name in ("loss_scale", "dtype"):
            kw = _kw(optim.value, name)
            if kw is not None:
                ed.remove_keyword(kw)
        if not _imports_name(ed.tree, "OptimWrapper"):
            last_import = [n for n in ed.tree.body if isinstance(n, (ast.Import, ast.ImportFrom))][-1]
            ed.insert_after(last_import, "\nfrom mmengine.optim import OptimWrapper  # CPU: no mixed precision")


def _imports_name(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            return True
    return False


# ---------------------------------------------------------------- validation


VALUES_MARK = "@@VALUES@@"  # core/procs/load_config.py prints it before the values


def load_with_mmengine(path: Path, keys: list[str], timeout: float = 120) -> tuple[dict[str, Any] | None, str]:
    """Load a config file with mmengine in a subprocess; the values of ``keys`` or the error."""
    import json

    proc = subprocess.run(
        [sys.executable, str(procs.path("load_config")), str(path), json.dumps(keys)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False,
        env=app_path_env(),
    )
    for line in proc.stdout.splitlines():
        if line.startswith(VALUES_MARK):
            return json.loads(line[len(VALUES_MARK):]), proc.stdout
    return None, proc.stdout


# ---------------------------------------------------------------- starting points

# A short CPU run on the demo model that learns the identity answers (measured: ~100
# iterations of 256 tokens, about 10 s of training on 2 cores after ~15 s of start-up).
DEMO_SETTINGS: dict[str, Any] = {
    "max_length": 256,
    "batch_size": 1,
    "accumulative_counts": 1,
    "max_epochs": 3,
    "lr": 5e-3,
    "warmup_ratio": 0.03,
    "save_steps": 50,
    "save_total_limit": 2,
    "evaluation_freq": 25,
}
IDENTITY_QUESTIONS = ["请介绍一下你自己", "Please introduce yourself"]


def tutorial_config(
    model_path: str,
    dataset_path: str,
    *,
    preset: str = DEFAULT_PRESET,
    cpu: bool = False,
    demo: bool = False,
    method: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """The tutorial's edited config for ``model_path``; adapted for CPU / the demo model."""
    settings: dict[str, Any] = {
        "pretrained_model_name_or_path": str(model_path),
        "evaluation_inputs": list(IDENTITY_QUESTIONS),
    }
    if demo:
        settings.update(DEMO_SETTINGS)
        # The identity records carry no system prompt, so samples are asked without one.
        settings["SYSTEM"] = ""
    settings.update(extra or {})
    source = preset_source(preset)
    present = read_settings(source)
    # Presets differ: some have no SYSTEM, evaluation_inputs or warmup_ratio. Skip what is not there.
    settings = {k: v for k, v in settings.items() if k in present}
    if method is None:
        method = ("lora" if method_of(source) != "full" else "full") if cpu else None
    # The fastest attention the model's own code has (a folder that is not there yet: XTuner decides).
    chosen = attn.best(model_path, gpu=not cpu) if Path(model_path, "config.json").is_file() else None
    return render(source, settings, dataset_path=dataset_path, method=method, cpu=cpu, attention=chosen,
                  workers=default_workers(model_path))


def config_summary(source: str) -> dict[str, Any]:
    """What the rest of the app needs to know of a config: model, data, template, method."""
    values = read_settings(source)
    data_var = dataset_path_variable(source)
    tmpl = values.get("prompt_template")
    return {
        "model": values.get("pretrained_model_name_or_path"),
        "dataset": values.get(data_var) if data_var else None,
        "template": template_name_from_code(tmpl.source) if isinstance(tmpl, Code) else None,
        "system": values.get("SYSTEM") if isinstance(values.get("SYSTEM"), str) else None,
        "method": method_of(source),
        "max_length": values.get("max_length"),
        "batch_size": values.get("batch_size"),
        "pack_to_max_length": values.get("pack_to_max_length"),
        "accumulative_counts": values.get("accumulative_counts"),
        "sequence_parallel_size": values.get("sequence_parallel_size", 1),
        "max_epochs": values.get("max_epochs"),
        "evaluation_inputs": values.get("evaluation_inputs"),
    }
