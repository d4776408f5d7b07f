"""Which model family a folder holds, read from what the folder says about itself.

``config.json`` gives the architecture (``model_type``), but not the chat format: a Llama-2 and a
Llama-3 are both ``llama``, and a small Llama-3 has no 128,256-token vocabulary to tell it by. The
tokenizer's own files say it: the special tokens it adds (``tokenizer_config.json``'s
``added_tokens_decoder`` and ``additional_special_tokens``, its BOS/EOS, or ``tokenizer.json``'s
``added_tokens`` when the config lists none) and its chat template. Reading them is plain JSON:
no tokenizer is loaded and no code from the folder runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LLAMA3_MARKS = ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")  # Llama-3's chat turns


@dataclass(frozen=True)
class Folder:
    """What a model folder says about its family: architecture, size of vocabulary, chat tokens."""

    model_type: str | None
    vocab_size: int | None
    tokens: frozenset[str]  # the tokenizer's special/added tokens
    chat_template: str  # the tokenizer's own chat template(s), "" when none

    def says(self, marks: tuple[str, ...]) -> bool:
        """Whether any of ``marks`` is one of the tokenizer's tokens or appears in its chat template."""
        return any(m in self.tokens or m in self.chat_template for m in marks)

    @property
    def llama3_chat(self) -> bool:
        """Whether the tokenizer is made for Llama-3's chat turns (any size of vocabulary)."""
        return self.says(LLAMA3_MARKS)


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _token_text(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    return None


def _templates_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # [{"name": "default", "template": "..."}, ...]
        return "\n".join(v["template"] for v in value if isinstance(v, dict) and isinstance(v.get("template"), str))
    return ""


@lru_cache(maxsize=16)
def _read(model_dir: str, stamp: tuple[tuple[int, int], ...]) -> Folder:
    del stamp  # cache key only: a changed file is read again
    root = Path(model_dir)
    config = _json(root / "config.json")
    tok_config = _json(root / "tokenizer_config.json")
    tokens: set[str] = set()
    decoder = tok_config.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        tokens |= {t for t in map(_token_text, decoder.values()) if t}
    extra = tok_config.get("additional_special_tokens")
    if isinstance(extra, list):
        tokens |= {t for t in map(_token_text, extra) if t}
    for key in ("bos_token", "eos_token", "pad_token", "unk_token"):
        if (text := _token_text(tok_config.get(key))) is not None:
            tokens.add(text)
    if not decoder and (root / "tokenizer.json").is_file():  # older configs list no added tokens
        added = _json(root / "tokenizer.json").get("added_tokens")
        if isinstance(added, list):
            tokens |= {t for t in map(_token_text, added) if t}
    template = _templates_text(tok_config.get("chat_template"))
    for name in ("chat_template.jinja", "chat_template.json"):  # newer transformers save it apart
        path = root / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            template += "\n" + (_templates_text(_json(path).get("chat_template")) if name.endswith(".json") else text)
    vocab = config.get("vocab_size")
    return Folder(config.get("model_type") if isinstance(config.get("model_type"), str) else None,
                  vocab if isinstance(vocab, int) and not isinstance(vocab, bool) else None,
                  frozenset(tokens), template)


def read(model_dir: str | Path) -> Folder:
    """The folder's family facts (cached until one of its files changes)."""
    root = Path(model_dir)
    stamp = []
    for name in ("config.json", "tokenizer_config.json", "tokenizer.json", "chat_template.jinja",
                 "chat_template.json"):
        try:
            st = (root / name).stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((0, -1))
    return _read(str(root), tuple(stamp))
