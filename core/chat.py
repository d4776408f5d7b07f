"""Load models and adapters and generate answers, streamed, in the training's prompt format.

A "model" here is a local folder: a base model, a merged model, or a base model plus an
adapter (peft), whose adapter can be switched off to answer as the base model — one copy
in memory serves both sides of a before/after comparison (:func:`share_base`).
Streaming measures time to first token and tokens per second (:class:`StreamStats`).
Failures (missing folder, adapter for another base, out of memory) raise a
:class:`ChatError` whose ``reason`` the UI words for people.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import attention, convert, templates
from core.models import is_model_dir
from core.runs import RunPaths, meta

DEFAULT_TEMPLATE = "internlm2_chat"
# Questions offered as one-click examples: in both languages whatever the page's, as the tutorial's
# assistant is asked in Chinese and a bilingual one in English too.
EXAMPLE_QUESTIONS = ("请介绍一下你自己", "你是谁？", "Who are you?", "上海有哪些好玩的景点？")
DTYPES = ("auto", "float16", "bfloat16", "float32")


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
    # One generation at a time per model: the adapter switch is model-wide state.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def device(self):
        return next(self.model.parameters()).device


class ChatError(RuntimeError):
    """Loading or answering failed; ``reason`` names the case, the message has the details."""

    def __init__(self, message: str, reason: str = "error"):
        super().__init__(message)
        self.reason = reason


class ModelLoadError(ChatError):
    """A folder could not be loaded: ``missing``, ``unreadable``, ``adapter`` (fits another model), ``no_gpu``."""

    def __init__(self, message: str, reason: str = "unreadable"):
        super().__init__(message, reason)


class GenerationError(ChatError):
    """Generating an answer failed (``no_chat_template``, ``generate``)."""

    def __init__(self, message: str, reason: str = "generate"):
        super().__init__(message, reason)


class OutOfMemory(ModelLoadError, GenerationError):
    """Not enough GPU (or CPU) memory to load the model or to answer."""

    def __init__(self, message: str):
        ChatError.__init__(self, message, "oom")


def _is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError" or "out of memory" in text \
        or "can't allocate memory" in text


def available_devices() -> list[str]:
    """Devices a person can choose: ``auto``, ``cpu`` and ``cuda`` where there is a GPU."""
    import torch

    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def release_memory() -> None:
    """Give freed model memory back: collect garbage, empty CUDA's cache."""
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def load(model_dir: Path, adapter_dir: Path | None = None, *, device: str = "auto", dtype: str = "auto") -> Loaded:
    """Load a causal LM folder (remote code allowed, local files only), optionally with an adapter."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelLoadError(f"there is no model folder {model_dir}", "missing")
    if not (model_dir / "config.json").is_file():
        raise ModelLoadError(f"{model_dir} is not a model folder (config.json is missing)", "missing")
    if adapter_dir is not None and not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise ModelLoadError(f"{adapter_dir} is not an adapter folder (adapter_config.json is missing)", "missing")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError("a GPU was chosen, but this machine has none that works", "no_gpu")
    if dtype == "auto":
        torch_dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if device != "cpu" \
            else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)
    model = None
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(  # straight onto the GPU: no full copy in CPU memory
            model_dir, trust_remote_code=True, local_files_only=True, torch_dtype=torch_dtype,
            device_map=None if device == "cpu" else {"": device},
            **attention.load_kwargs(model_dir, gpu=device != "cpu"))  # remote code: SDPA when it has it
        if adapter_dir is not None:
            from peft import PeftModel

            try:
                model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
            except Exception as exc:
                if _is_oom(exc):
                    raise
                raise ModelLoadError(
                    f"the adapter in {adapter_dir} does not fit the model in {model_dir}: {exc}", "adapter") from exc
        model.to(device).eval()
    except ModelLoadError:
        raise
    except Exception as exc:  # remote code and loaders raise many kinds; all mean "cannot use this folder"
        del model
        if _is_oom(exc):
            release_memory()
            raise OutOfMemory(f"not enough memory to load {model_dir} on {device}: {exc}") from exc
        raise ModelLoadError(f"could not load the model in {model_dir}: {exc}") from exc
    return Loaded(model, tokenizer, model_dir, Path(adapter_dir) if adapter_dir else None)


def _stops(loaded: Loaded, template_name: str | None) -> tuple[list[int], list[str]]:
    """Token ids that end generation, and texts cut from the answer.

    An XTuner template stops where XTuner's chat does: its stop words and the tokenizer's EOS.
    The model's own chat template stops where the model's generation config says (for
    InternLM2-chat that includes ``<|im_end|>``, which is not the tokenizer's EOS).
    """
    tok = loaded.tokenizer
    ids = {tok.eos_token_id} if tok.eos_token_id is not None else set()
    texts = [tok.eos_token] if tok.eos_token else []
    if template_name:
        for word in templates.stop_words(template_name):
            texts.append(word)
            tok_ids = tok.encode(word, add_special_tokens=False)
            if len(tok_ids) == 1:
                ids.add(tok_ids[0])
    else:
        gen_eos = getattr(getattr(loaded.model, "generation_config", None), "eos_token_id", None)
        ids.update([gen_eos] if isinstance(gen_eos, int) else list(gen_eos or []))
        special = set(tok.all_special_tokens) | set(tok.get_added_vocab())
        texts += [t for t in tok.convert_ids_to_tokens(sorted(ids)) if t in special]
    return sorted(ids), texts


class StopCutter:
    """Cuts streamed text at the first stop word, holding back a tail that may start one."""

    def __init__(self, stops: list[str]):
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.done = False

    def feed(self, piece: str) -> str:
        """The text that is safe to show now; sets ``done`` once a stop word appeared."""
        if self.done:
            return ""
        self.pending += piece
        cut = min((self.pending.find(s) for s in self.stops if s in self.pending), default=-1)
        if cut >= 0:
            out, self.pending, self.done = self.pending[:cut], "", True
            return out
        hold = 0
        for s in self.stops:
            for n in range(min(len(s) - 1, len(self.pending)), 0, -1):
                if self.pending.endswith(s[:n]):
                    hold = max(hold, n)
                    break
        out = self.pending[: len(self.pending) - hold]
        self.pending = self.pending[len(out):]
        return out

    def flush(self) -> str:
        out, self.pending = ("" if self.done else self.pending), ""
        return out


@dataclass
class StreamStats:
    """Speed of one streamed answer: filled in while it streams, complete when it ends."""

    started: float = 0.0
    first_token: float | None = None
    finished: float | None = None
    tokens: int = 0

    @property
    def ttft(self) -> float | None:
        """Seconds from the request to the first generated token (prompt processing included)."""
        return None if self.first_token is None else self.first_token - self.started

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed after the first token: (tokens − 1) / time since the first token."""
        if self.first_token is None or self.finished is None or self.tokens < 2:
            return None
        spent = self.finished - self.first_token
        return (self.tokens - 1) / spent if spent > 0 else None


def _streamer(tokenizer, stats: StreamStats):
    from transformers import TextIteratorStreamer

    class CountingStreamer(TextIteratorStreamer):
        """Counts generated tokens and notes when the first one came (called by generate)."""

        def put(self, value):
            if not (self.skip_prompt and self.next_tokens_are_prompt):
                if stats.first_token is None:
                    stats.first_token = time.perf_counter()
                stats.tokens += int(value.numel())
            super().put(value)

    return CountingStreamer(tokenizer, skip_prompt=True, skip_special_tokens=False)


def _prompt_ids(tok, template_name: str | None, history: list[tuple[str, str]], message: str, system: str) -> list[int]:
    if template_name:
        return templates.encode_chat(tok, template_name, history, message, system)
    if not getattr(tok, "chat_template", None):
        raise GenerationError("this model has no chat template of its own; choose an XTuner prompt template",
                              "no_chat_template")
    msgs = ([{"role": "system", "content": system}] if system else [])
    for u, a in history:
        msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
    msgs.append({"role": "user", "content": message})
    return tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)


def stream(
    loaded: Loaded,
    message: str,
    *,
    history: list[tuple[str, str]] | None = None,
    template_name: str | None = DEFAULT_TEMPLATE,
    system: str = "",
    settings: GenerationSettings = GenerationSettings(),
    use_adapter: bool = True,
    stats: StreamStats | None = None,
) -> Iterator[str]:
    """Yield the answer piece by piece; stops at the template's stop words or EOS.

    ``template_name=None`` uses the tokenizer's own chat template instead of XTuner's.
    ``use_adapter=False`` answers as the base model (peft's ``disable_adapter``).
    ``stats`` (optional) receives time to first token, token count and speed.
    Closing the generator early (a new question, a page rerun) stops the generation.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    stats = stats if stats is not None else StreamStats()
    stats.started = time.perf_counter()
    tok = loaded.tokenizer
    ids = _prompt_ids(tok, template_name, history or [], message, system)
    input_ids = torch.tensor([ids], device=loaded.device)
    streamer = _streamer(tok, stats)
    halt = threading.Event()

    class Halt(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return torch.full((input_ids.shape[0],), halt.is_set(), dtype=torch.bool, device=input_ids.device)

    stop_ids, stop_texts = _stops(loaded, template_name)
    kwargs: dict[str, Any] = dict(
        input_ids=input_ids, attention_mask=torch.ones_like(input_ids), streamer=streamer,
        max_new_tokens=settings.max_new_tokens, eos_token_id=stop_ids,
        pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        repetition_penalty=settings.repetition_penalty, stopping_criteria=StoppingCriteriaList([Halt()]),
    )
    if settings.greedy:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p, top_k=settings.top_k)
    switch_off = loaded.adapter is not None and not use_adapter
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with loaded.lock:
                ctx = loaded.model.disable_adapter() if switch_off else nullcontext()
                with ctx, torch.no_grad():
                    if settings.seed is not None:
                        torch.manual_seed(settings.seed)
                    loaded.model.generate(**kwargs)
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)
        finally:
            stats.finished = time.perf_counter()
            streamer.on_finalized_text("", stream_end=True)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    cutter = StopCutter(stop_texts)
    try:
        for piece in streamer:
            shown = cutter.feed(piece)
            if shown:
                yield shown
            if cutter.done:
                break
        rest = cutter.flush()
        if rest:
            yield rest
    finally:
        halt.set()
        thread.join()
    if errors:
        exc = errors[0]
        if _is_oom(exc):
            release_memory()
            raise OutOfMemory(f"not enough memory to answer: {exc}") from exc
        raise GenerationError(f"the model could not answer: {exc}") from exc


def answer(loaded: Loaded, message: str, **kwargs: Any) -> str:
    """The whole answer as one string (tests, scorecards)."""
    return "".join(stream(loaded, message, **kwargs)).strip()


# ---- what each side of a comparison chats with ---------------------------------------


@dataclass(frozen=True)
class Target:
    """One side's model: a folder, optionally with an adapter that can be switched off."""

    model: Path
    adapter: Path | None = None
    use_adapter: bool = True

    @property
    def load_key(self) -> tuple[str, str | None]:
        """What must be in memory for this side (the same key means one shared copy)."""
        return str(_resolved(self.model)), str(_resolved(self.adapter)) if self.adapter else None


def _resolved(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def share_base(before: Target, after: Target) -> Target:
    """``before`` answered by ``after``'s loaded model with the adapter off, when that is the same base.

    Base vs base+adapter then needs one model in memory instead of two.
    """
    if before.adapter is None and after.adapter is not None and _resolved(before.model) == _resolved(after.model):
        return Target(after.model, after.adapter, use_adapter=False)
    return before


@dataclass(frozen=True)
class RunOption:
    """A training run's model to chat with: its merged model, or its base plus its adapter."""

    run: str
    kind: str  # "adapter" or "merged"
    target: Target
    base_model: Path | None
    template: str | None
    system: str
    dataset: Path | None


def run_options(run_dirs: list[Path]) -> list[RunOption]:
    """Every usable model of the given runs (newest first): base+adapter, then merged."""
    out: list[RunOption] = []
    for run_dir in run_dirs:
        run = RunPaths(Path(run_dir))
        info = meta(run.root)
        base = Path(info["model"]) if info.get("model") else None
        common = dict(run=run.root.name, base_model=base if base and is_model_dir(base) else None,
                      template=info.get("template"), system=info.get("system") or "",
                      dataset=Path(info["dataset"]) if info.get("dataset") else None)
        if common["base_model"] is not None and convert.is_adapter_dir(run.adapter):
            out.append(RunOption(kind="adapter", target=Target(common["base_model"], run.adapter), **common))
        if convert.merged_ready(run.merged):
            out.append(RunOption(kind="merged", target=Target(run.merged), **common))
    return out
