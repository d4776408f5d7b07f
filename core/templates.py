"""XTuner's prompt templates, and prompts built exactly as training builds them.

The templates are read from XTuner's ``templates.py`` source with :mod:`ast`, so listing
them costs milliseconds and imports no torch. :func:`encode_chat` mirrors XTuner's
``template_map_fn`` + ``encode_fn``: what the chat page sends is what training saw.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _templates_tree() -> ast.Module:
    spec = importlib.util.find_spec("xtuner")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("XTuner is not installed in this Python")
    path = Path(list(spec.submodule_search_locations)[0]) / "utils" / "templates.py"
    return ast.parse(path.read_text(encoding="utf-8"))


def _config_dict(name: str) -> ast.Call:
    for node in _templates_tree().body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == name and isinstance(node.value, ast.Call)):
            return node.value
    raise RuntimeError(f"could not read XTuner's {name}")


@lru_cache(maxsize=1)
def prompt_templates() -> dict[str, dict[str, Any]]:
    """Template name → its fields (SYSTEM, INSTRUCTION, SUFFIX, SEP, STOP_WORDS, ...)."""
    out = {}
    for kw in _config_dict("PROMPT_TEMPLATE").keywords:
        if isinstance(kw.value, ast.Call):
            out[kw.arg] = {k.arg: ast.literal_eval(k.value) for k in kw.value.keywords}
    return out


@lru_cache(maxsize=1)
def system_templates() -> dict[str, str]:
    """XTuner's SYSTEM_TEMPLATE texts (``alpaca``, ``coder``, ...)."""
    out = {}
    for kw in _config_dict("SYSTEM_TEMPLATE").keywords:
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            continue
    return out


def system_text(expr: str) -> str | None:
    """``SYSTEM_TEMPLATE.alpaca`` → its text; None for other expressions."""
    expr = expr.strip()
    if expr.startswith("SYSTEM_TEMPLATE."):
        return system_templates().get(expr.split(".", 1)[1])
    return None


def template_names() -> list[str]:
    return list(prompt_templates())


def template(name: str) -> dict[str, Any]:
    try:
        return prompt_templates()[name]
    except KeyError:
        raise ValueError(f"XTuner has no prompt template named {name!r}") from None


def template_name_from_code(expr: str) -> str | None:
    """``PROMPT_TEMPLATE.internlm2_chat`` → ``internlm2_chat``."""
    expr = expr.strip()
    prefix = "PROMPT_TEMPLATE."
    return expr[len(prefix):] if expr.startswith(prefix) else None


def stop_words(name: str) -> list[str]:
    t = template(name)
    words = list(t.get("STOP_WORDS", []))
    if t.get("SUFFIX") and t["SUFFIX"].strip() and t["SUFFIX"] not in words:
        words.append(t["SUFFIX"])
    return words


def build_prompt(name: str, history: list[tuple[str, str]], message: str, system: str = "") -> str:
    """Prompt text for ``message`` after ``history`` of (user, assistant) turns.

    Turn i: [SYSTEM on the first turn] INSTRUCTION(input, round) → output + SUFFIX, then SEP.
    """
    t = template(name)
    text = ""
    turns = [*history, (message, None)]
    for i, (user, answer) in enumerate(turns):
        part = t["INSTRUCTION"].format(input=user, round=i + 1)
        if i == 0 and system:
            part = t.get("SYSTEM", "{system}\n").format(system=system) + part
        text += part
        if answer is not None:
            text += answer + t.get("SUFFIX", "") + t.get("SEP", "")
    return text


def encode_chat(tokenizer, name: str, history: list[tuple[str, str]], message: str, system: str = "") -> list[int]:
    """Token ids as XTuner's encode_fn makes them: BOS first, text without added specials."""
    t = template(name)
    bos = tokenizer.bos_token_id
    ids: list[int] = [bos] if bos is not None else []
    if t.get("SUFFIX_AS_EOS", False) or not history:
        return ids + tokenizer.encode(build_prompt(name, history, message, system), add_special_tokens=False)
    # Templates whose turns end with EOS start each turn with BOS again, as in training.
    eos = tokenizer.eos_token_id
    for i, (user, answer) in enumerate(history):
        sub = t["INSTRUCTION"].format(input=user, round=i + 1)
        if i == 0 and system:
            sub = t.get("SYSTEM", "{system}\n").format(system=system) + sub
        ids += tokenizer.encode(sub + answer + t.get("SUFFIX", ""), add_special_tokens=False)
        if eos is not None:
            ids.append(eos)
        ids += tokenizer.encode(t.get("SEP", ""), add_special_tokens=False)
        if bos is not None:
            ids.append(bos)
    part = t["INSTRUCTION"].format(input=message, round=len(history) + 1)
    return ids + tokenizer.encode(part, add_special_tokens=False)
