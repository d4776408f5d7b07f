"""XTuner's prompt templates, and prompts built exactly as training builds them.

The templates are read from XTuner's ``templates.py`` source with :mod:`ast`, so listing
them costs milliseconds and imports no torch. :func:`encode_chat` mirrors XTuner's
``template_map_fn`` + ``encode_fn`` (:func:`render_conversation`, the one renderer: chat prompts,
dataset statistics and the training plan of :mod:`core.plan` count the same tokens).
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.pyedit import parse


@lru_cache(maxsize=1)
def _templates_tree() -> ast.Module:
    spec = importlib.util.find_spec("xtuner")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("XTuner is not installed in this Python")
    path = Path(list(spec.submodule_search_locations)[0]) / "utils" / "templates.py"
    return parse(path.read_text(encoding="utf-8"))


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


def bos_eos(tokenizer) -> tuple[list[int], list[int]]:
    """BOS and EOS ids as XTuner's ``get_bos_eos_token_ids`` gives them (Qwen: no BOS)."""
    name = type(tokenizer).__name__
    if name in ("QWenTokenizer", "QWen2Tokenizer", "Qwen2TokenizerFast"):
        bos = []
    elif name == "ChatGLMTokenizer":
        bos = [64790, 64792]
    else:
        bos = tokenizer.bos_token_id
    eos = tokenizer.eos_token_id
    return ([bos] if isinstance(bos, int) else list(bos or [])), ([eos] if isinstance(eos, int) else list(eos or []))


def turn_texts(name: str, turns: list[dict[str, Any]]) -> list[tuple[str, str | None, bool, str]]:
    """XTuner's ``template_map_fn``: each turn's (input text, output text or None, EOS after it, separator).

    A turn without ``"output"`` (the question being asked in chat) gets None.
    """
    t = template(name)
    out = []
    for i, turn in enumerate(turns):
        text = t["INSTRUCTION"].format(input=turn.get("input") or "", round=i + 1)
        if turn.get("system"):
            text = t.get("SYSTEM", "{system}\n").format(system=turn["system"]) + text
        answer = turn.get("output")
        if answer is not None:
            answer = answer + (t.get("SUFFIX") or "")
        out.append((text, answer, not t.get("SUFFIX_AS_EOS", False), t.get("SEP", "")))
    return out


Encoded = tuple[list[int], list[int] | None, bool, list[int]]


def _assemble(bos: list[int], eos: list[int], parts: list[Encoded]) -> list[int]:
    """XTuner's ``encode_fn`` over encoded turns (input ids, output ids or None, EOS, separator ids)."""
    ids: list[int] = []
    needs_bos = True
    for inp, out, with_eos, sep in parts:
        if needs_bos:
            ids += bos
        ids += inp
        if out is None:
            break
        ids += out
        needs_bos = with_eos
        if with_eos:
            ids += eos
        ids += sep
    return ids


def render_conversation(tokenizer, name: str, turns: list[dict[str, Any]]) -> list[int]:
    """The token ids training makes of ``turns`` (``template_map_fn`` + ``encode_fn``, before
    truncation). The app's one renderer: chat prompts end at the first turn without an output;
    :func:`token_lengths` counts the same ids for many records at once."""
    bos, eos = bos_eos(tokenizer)

    def enc(text: str) -> list[int]:
        return tokenizer.encode(text, add_special_tokens=False) if text else []

    parts = [(enc(i), None if o is None else enc(o), e, enc(s)) for i, o, e, s in turn_texts(name, turns)]
    return _assemble(bos, eos, parts)


def token_lengths(tokenizer, name: str, records: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(tokens, tokens before the first answer) of each record as :func:`render_conversation` makes
    them, tokenized in one batch. A record whose first answer starts at or after ``max_length`` has
    nothing left to learn from once truncated, and XTuner drops it."""
    bos, eos = bos_eos(tokenizer)
    texts: list[str] = []
    shapes: list[list[tuple[bool, str]]] = []
    for rec in records:
        shape = []
        for inp, out, with_eos, sep in turn_texts(name, rec["conversation"]):
            texts += [inp, out or ""]
            shape.append((with_eos, sep))
        shapes.append(shape)
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    sep_len: dict[str, int] = {}
    out, k = [], 0
    for shape in shapes:
        total, needs_bos, prompt = 0, True, None
        for with_eos, sep in shape:
            if sep not in sep_len:
                sep_len[sep] = len(tokenizer.encode(sep, add_special_tokens=False)) if sep else 0
            total += (len(bos) if needs_bos else 0) + len(encoded[k])
            if prompt is None:
                prompt = total
            total += len(encoded[k + 1]) + (len(eos) if with_eos else 0) + sep_len[sep]
            needs_bos = with_eos
            k += 2
        out.append((total, prompt or 0))
    return out


def encode_chat(tokenizer, name: str, history: list[tuple[str, str]], message: str, system: str = "") -> list[int]:
    """Token ids as XTuner's encode_fn makes them for ``history`` and then ``message`` without an answer."""
    turns: list[dict[str, Any]] = [{"input": u, "output": a} for u, a in history] + [{"input": message}]
    if system:
        turns[0]["system"] = system
    return render_conversation(tokenizer, name, turns)
