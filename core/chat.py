"""Load models and adapters and generate answers, streamed, in the training's prompt format.

A "model" here is a local folder: a base model, a merged model, or a base model plus an
adapter (peft), whose adapter can be switched off to answer as the base model — one copy
in memory serves both sides of a before/after comparison.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from core import templates


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 256
    greedy: bool = True
    temperature: float = 0.7
    top_p: float = 0.8
    top_k: int = 40
    repetition_penalty: float = 1.0
    seed: int | None = 0


@dataclass
class Loaded:
    """A loaded model: its tokenizer, and whether an adapter sits on top."""

    model: Any
    tokenizer: Any
    path: Path
    adapter: Path | None = None

    @property
    def device(self):
        return next(self.model.parameters()).device


class ModelLoadError(RuntimeError):
    """A folder could not be loaded as a model; the message is for people."""


def load(model_dir: Path, adapter_dir: Path | None = None, *, device: str = "auto", dtype: str = "auto") -> Loaded:
    """Load a causal LM folder (remote code allowed, local files only), optionally with an adapter."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ModelLoadError(f"{model_dir} is not a model folder (config.json is missing)")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if dtype == "auto":
        torch_dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if device == "cuda" else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            model_dir, trust_remote_code=True, local_files_only=True, torch_dtype=torch_dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"could not load the model in {model_dir}: {exc}") from exc
    if adapter_dir is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(
                f"the adapter in {adapter_dir} does not fit the model in {model_dir}: {exc}") from exc
    model.to(device).eval()
    return Loaded(model, tokenizer, model_dir, Path(adapter_dir) if adapter_dir else None)


def _stop_ids(tokenizer, template_name: str | None) -> list[int]:
    ids = set()
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    for word in templates.stop_words(template_name) if template_name else []:
        tok_ids = tokenizer.encode(word, add_special_tokens=False)
        if len(tok_ids) == 1:
            ids.add(tok_ids[0])
    return sorted(ids)


def _stop_texts(template_name: str | None) -> list[str]:
    return templates.stop_words(template_name) if template_name else []


def stream(
    loaded: Loaded,
    message: str,
    *,
    history: list[tuple[str, str]] | None = None,
    template_name: str | None = "internlm2_chat",
    system: str = "",
    settings: GenerationSettings = GenerationSettings(),
    use_adapter: bool = True,
) -> Iterator[str]:
    """Yield the answer piece by piece; stops at the template's stop words or EOS.

    ``template_name=None`` uses the tokenizer's own chat template instead of XTuner's.
    ``use_adapter=False`` answers as the base model (peft's ``disable_adapter``).
    """
    import torch
    from transformers import TextIteratorStreamer

    history = history or []
    tok = loaded.tokenizer
    if template_name:
        ids = templates.encode_chat(tok, template_name, history, message, system)
    else:
        msgs = ([{"role": "system", "content": system}] if system else [])
        for u, a in history:
            msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        msgs.append({"role": "user", "content": message})
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
    input_ids = torch.tensor([ids], device=loaded.device)
    streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=False)
    kwargs: dict[str, Any] = dict(
        input_ids=input_ids, attention_mask=torch.ones_like(input_ids), streamer=streamer,
        max_new_tokens=settings.max_new_tokens, eos_token_id=_stop_ids(tok, template_name),
        pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        repetition_penalty=settings.repetition_penalty,
    )
    if settings.greedy:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p, top_k=settings.top_k)
    adapter_ctx = nullcontext()
    if loaded.adapter is not None and not use_adapter:
        adapter_ctx = loaded.model.disable_adapter()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with adapter_ctx, torch.no_grad():
                if settings.seed is not None:
                    torch.manual_seed(settings.seed)
                loaded.model.generate(**kwargs)
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)
            streamer.on_finalized_text("", stream_end=True)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    stops = _stop_texts(template_name) + ([tok.eos_token] if tok.eos_token else [])
    text = ""
    for piece in streamer:
        text += piece
        cut = min((text.find(s) for s in stops if s and s in text), default=-1)
        if cut >= 0:
            yield piece[: max(0, len(piece) - (len(text) - cut))]
            break
        yield piece
    thread.join()
    if errors:
        raise errors[0]


def answer(loaded: Loaded, message: str, **kwargs: Any) -> str:
    """The whole answer as one string (tests, scorecards)."""
    return "".join(stream(loaded, message, **kwargs)).strip()
