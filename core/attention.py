"""Which attention a model folder can use, decided from the code the folder ships.

Three implementations matter: ``eager`` (plain matrix products; keeps an L × L attention matrix
per layer and head for the backward pass), ``sdpa`` (torch's fused scaled-dot-product attention)
and ``flash_attention_2`` (the flash-attn package, GPU only). The last two keep no L × L matrix.

XTuner picks SDPA only for the native transformers classes it lists, never for InternLM2, whose
remote code then falls back to eager: the tutorial's model trained ~1.6× slower and needed twice
the memory at micro-batch 4 for that alone (benchmarks/RESULTS.md). A remote-code model can
use SDPA when its modeling file has an ``sdpa`` entry in its attention table (InternLM2 since
mid-2024); the January-2024 InternLM2 code has eager and flash attention only.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.pyedit import Editor, kw, parse

EAGER, SDPA, FLASH = "eager", "sdpa", "flash_attention_2"
FASTEST_FIRST = (FLASH, SDPA, EAGER)


@dataclass(frozen=True)
class Support:
    """What a model folder's code offers: implementations it knows, and whether it is remote code."""

    known: tuple[str, ...]
    remote_code: bool
    code_file: str | None = None  # the modeling file that was read (remote code)


def _read_config(model_dir: Path) -> dict:
    try:
        return json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remote_module(config: dict) -> str | None:
    auto_map = config.get("auto_map") or {}
    ref = auto_map.get("AutoModelForCausalLM") or auto_map.get("AutoModel")
    if isinstance(ref, list):
        ref = ref[0]
    if not isinstance(ref, str) or "." not in ref:
        return None
    return ref.rsplit(".", 1)[0].split("--")[-1]


def _table_keys(source: str) -> set[str]:
    """String keys of every module-level ``*ATTENTION_CLASSES = {...}`` dict in a modeling file."""
    keys: set[str] = set()
    for node in parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and t.id.endswith("ATTENTION_CLASSES") for t in node.targets):
            keys |= {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def _native_supports(model_type: str | None) -> tuple[str, ...]:
    """Implementations a native transformers class supports (its ``_supports_sdpa`` / flash flags)."""
    if not model_type:
        return (EAGER,)
    try:
        import transformers
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

        cls = getattr(transformers, MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[model_type])
    except (KeyError, AttributeError, ImportError):
        return (EAGER,)
    found = [EAGER]
    if getattr(cls, "_supports_sdpa", False):
        found.append(SDPA)
    if getattr(cls, "_supports_flash_attn_2", False):
        found.append(FLASH)
    return tuple(found)


def support(model_dir: str | Path) -> Support:
    """What the folder's model code can run (read from its files; nothing is imported from it)."""
    model_dir = Path(model_dir)
    config = _read_config(model_dir)
    module = _remote_module(config)
    if module is None:
        return Support(_native_supports(config.get("model_type")), remote_code=False)
    code = model_dir / f"{module.replace('.', '/')}.py"
    try:
        keys = _table_keys(code.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return Support((EAGER,), remote_code=True, code_file=code.name)
    known = tuple(k for k in (EAGER, SDPA, FLASH) if k in keys) or (EAGER,)
    return Support(known, remote_code=True, code_file=code.name)


@lru_cache(maxsize=1)
def flash_installed() -> bool:
    return importlib.util.find_spec("flash_attn") is not None


def available(model_dir: str | Path, *, gpu: bool) -> list[str]:
    """Implementations that will run here, fastest first (flash attention needs a GPU and flash-attn)."""
    known = support(model_dir).known
    return [name for name in FASTEST_FIRST
            if name in known and (name != FLASH or (gpu and flash_installed()))]


def best(model_dir: str | Path, *, gpu: bool) -> str:
    """The fastest implementation that will run here."""
    return available(model_dir, gpu=gpu)[0]


def load_kwargs(model_dir: str | Path, *, gpu: bool) -> dict[str, str]:
    """What ``from_pretrained`` needs to load the model with its fastest attention.

    Remote code reads ``config.attn_implementation`` (``eager`` unless it is passed), so it is
    passed whenever the code has something faster; native classes choose SDPA by themselves.
    """
    choice = best(model_dir, gpu=gpu)
    return {"attn_implementation": choice} if choice != EAGER else {}


def of_config(source: str) -> str | None:
    """The ``attn_implementation`` a config's ``llm`` dict asks for, or None (XTuner decides)."""
    ed = Editor(source)
    model = ed.assignment("model")
    llm = kw(model.value, "llm") if model else None
    found = kw(llm.value, "attn_implementation") if llm else None
    if found is None:
        return None
    try:
        value = ast.literal_eval(found.value)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def what_xtuner_picks(model_dir: str | Path, *, gpu: bool) -> str:
    """The attention XTuner 0.2.0 uses when the config does not say (``_prepare_for_flash_attn``).

    flash-attn installed: flash attention for the classes it lists (InternLM2 among them);
    otherwise SDPA for native classes it lists, and for everything else what the model code
    defaults to, which for remote code is eager.
    """
    s = support(model_dir)
    if gpu and flash_installed() and FLASH in s.known:
        return FLASH
    return SDPA if (not s.remote_code and SDPA in s.known) else EAGER
