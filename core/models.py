"""Model folders: check that a path is a usable model, and pick the default one.

Models are always local folders (nothing is fetched from a hub). A check returns a
message key and values for the UI to word, or None when the folder looks usable.
"""

from __future__ import annotations

from pathlib import Path

# Where InternStudio machines keep the tutorial's model.
INTERNSTUDIO_MODEL = Path("/root/share/new_models/Shanghai_AI_Laboratory/internlm2-chat-1_8b")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json")


def check_model_dir(path: str | Path | None) -> tuple[str, dict[str, str]] | None:
    """None if ``path`` looks like a model folder, else (message key, values)."""
    if path is None or not str(path).strip():
        return "model.err.empty", {}
    p = Path(str(path).strip()).expanduser()
    values = {"path": str(p)}
    if not p.exists():
        return "model.err.missing", values
    if not p.is_dir():
        return "model.err.not_dir", values
    if not (p / "config.json").is_file():
        return "model.err.no_config", values
    if not any((p / name).is_file() for name in TOKENIZER_FILES):
        return "model.err.no_tokenizer", values
    if not (any(p.glob("*.safetensors")) or any(p.glob("*.bin"))):
        return "model.err.no_weights", values
    return None


def is_model_dir(path: str | Path | None) -> bool:
    """True when ``path`` looks like a loadable model folder (config, weights, tokenizer)."""
    return check_model_dir(path) is None


def default_model(settings: dict, demo_dir: Path) -> str:
    """The model to prefill: the saved choice, InternStudio's model, the demo model, or ''."""
    chosen = settings.get("base_model")
    if chosen:
        return str(chosen)
    if INTERNSTUDIO_MODEL.is_dir():
        return str(INTERNSTUDIO_MODEL)
    if check_model_dir(demo_dir) is None:
        return str(demo_dir)
    return ""
