"""Model folders that stand in for real ones: InternLM2, Qwen2 and Llama-3, laid out like the real folders.

The tutorial's model is InternLM2 with remote code: its own ``modeling_internlm2.py`` (run with
``trust_remote_code``) and a sentencepiece tokenizer with its own Python classes. The stand-in has
all of that with random weights and a small shape (or the 1.8B shape for GPU benchmarks):

- model code from XTuner's wheel (``xtuner/_lite/modelings/internlm2``: mid-2024, with an SDPA
  attention class), or ``generation="eager-only"``: the same code with the SDPA class taken out of
  its attention table, as in the January-2024 release that knew eager and flash attention only;
- the tokenizer's remote code from the shared test fixtures (``shared/fixtures/internlm2``; the
  project does not carry a copy) and a sentencepiece ``tokenizer.model`` trained here on the app's
  own texts, with the six chat tokens at the top of the vocabulary as in the real folder;
- ``config.json``, ``tokenizer_config.json``, ``generation_config.json`` as the real folder has them.

Qwen2 (``Qwen2-*-Instruct``) and Llama-3 (``Meta-Llama-3-8B-Instruct``) are native transformers
classes with byte-level BPE tokenizers; their stand-ins (:func:`make_qwen2`, :func:`make_llama3`)
have the real folders' files (``tokenizer.json``, Qwen2's ``vocab.json``/``merges.txt``), special
tokens, chat templates and generation configs, a vocabulary trained here with ``tokenizers`` on
the same texts (special tokens above it, as in the real vocabularies) and random weights.

Used by the e2e tests (small shape, CPU) and by ``benchmarks/gpu_bench.py`` (1.8B shape, GPU).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKENIZER_CODE_ENV = "INTERNLM2_TOKENIZER_CODE"
CHAT_TOKENS = ["<|plugin|>", "<|interpreter|>", "<|action_end|>", "<|action_start|>", "<|im_end|>", "<|im_start|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] "
    "+ '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SMALL = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,  # the demo model's
             intermediate_size=688)
SHAPE_1_8B = dict(hidden_size=2048, num_hidden_layers=24, num_attention_heads=16, num_key_value_heads=8,
                  intermediate_size=8192)


def tokenizer_code_dir() -> Path | None:
    """The InternLM2 tokenizer's remote-code files (shared test fixtures), or None when absent."""
    for candidate in (os.environ.get(TOKENIZER_CODE_ENV), ROOT.parent / "shared" / "fixtures" / "internlm2",
                      ROOT / "shared" / "fixtures" / "internlm2"):
        if candidate and (Path(candidate) / "tokenization_internlm2.py").is_file():
            return Path(candidate)
    return None


def _model_code_dir() -> Path:
    import xtuner

    return Path(xtuner.__file__).parent / "_lite" / "modelings" / "internlm2"


def _corpus() -> list[str]:
    """Text to train the tokenizer on: what the tests and the demo ask and answer."""
    from core import dataset, general_library, identity

    lines = []
    for name in ("小明同学", "伍鲜同志", "小助手", "Assistant"):
        for q, a in dataset.tutorial_pairs(name):
            lines += [q, a]
    for groups in identity.QUESTIONS.values():
        lines += [q for group in groups for q in group[1:]]
    for by_lang in identity.ANSWERS.values():
        lines += [a for answers in by_lang.values() for a in answers]
    lines += [text for _, q, a in general_library.PAIRS for text in (q, a)]
    lines += ["Please introduce yourself", "Hello! How are you today?", "The quick brown fox jumps over the lazy dog."]
    return [ln for ln in lines if ln.strip()]


def _train_spm(out: Path, vocab: int) -> None:
    import io

    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()), model_writer=buf, vocab_size=vocab, model_type="bpe",
        character_coverage=1.0, byte_fallback=True, hard_vocab_limit=False, add_dummy_prefix=False,
        remove_extra_whitespaces=False, normalization_rule_name="identity", split_digits=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2,
    )
    (out / "tokenizer.model").write_bytes(buf.getvalue())


def make_internlm2(out: Path, *, generation: str = "2024-06", shape: dict | None = None, vocab: int = 2048,
                   model_vocab: int | None = None, dtype: str = "float32", device: str = "cpu", seed: int = 0) -> Path:
    """Write an InternLM2 model folder with random weights; returns ``out``.

    ``vocab`` is the tokenizer's vocabulary, chat tokens included (a multiple of 64, as XTuner pads
    to); ``model_vocab`` the model's embedding rows when larger (92544 for the 1.8B shape: the
    tokenizer trained here cannot have that many pieces, the model's memory and speed need them).
    """
    import sentencepiece as spm
    import torch

    code = tokenizer_code_dir()
    if code is None:
        raise FileNotFoundError("the InternLM2 tokenizer code is not there "
                                f"(shared/fixtures/internlm2 or ${TOKENIZER_CODE_ENV})")
    if generation not in ("2024-06", "eager-only"):
        raise ValueError("generation is 2024-06 or eager-only")
    if "." in Path(out).name:
        raise ValueError("transformers cannot load remote code from a folder whose name has a dot")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("modeling_internlm2.py", "configuration_internlm2.py"):
        shutil.copyfile(_model_code_dir() / name, out / name)
    if generation == "eager-only":
        path = out / "modeling_internlm2.py"
        text = path.read_text(encoding="utf-8")
        text = text.replace("    'sdpa': InternLM2SdpaAttention,\n", "").replace("    _supports_sdpa = True\n", "")
        assert "'sdpa'" not in text.split("INTERNLM2_ATTENTION_CLASSES = {", 1)[1].split("}", 1)[0]
        path.write_text(text, encoding="utf-8")
    for name in ("tokenization_internlm2.py", "tokenization_internlm2_fast.py"):
        shutil.copyfile(code / name, out / name)

    sp_vocab = vocab - len(CHAT_TOKENS)
    _train_spm(out, sp_vocab)
    pieces = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model")).get_piece_size()
    if pieces != sp_vocab:  # too little text for the size asked: pad the model's table, keep tokens on top
        sp_vocab = pieces
    chat_ids = {sp_vocab + i: tok for i, tok in enumerate(CHAT_TOKENS)}
    im_end = sp_vocab + CHAT_TOKENS.index("<|im_end|>")
    special = {"content": "", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
               "special": True}
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "InternLM2Tokenizer",
        "auto_map": {"AutoTokenizer": ["tokenization_internlm2.InternLM2Tokenizer",
                                       "tokenization_internlm2_fast.InternLM2TokenizerFast"]},
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
        "pad_token": "</s>", "unk_token": "<unk>", "clean_up_tokenization_spaces": False,
        "model_max_length": 1000000000000000019884624838656, "chat_template": CHAT_TEMPLATE,
        "added_tokens_decoder": {str(i): {**special, "content": tok} for i, tok in chat_ids.items()},
        "additional_special_tokens": CHAT_TOKENS,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "pad_token": "</s>", "unk_token": "<unk>",
        "additional_special_tokens": CHAT_TOKENS}, indent=2), encoding="utf-8")
    (out / "generation_config.json").write_text(json.dumps({
        "bos_token_id": 1, "eos_token_id": [2, im_end], "pad_token_id": 2}, indent=2), encoding="utf-8")

    sizes = dict(shape or SMALL)
    config = {
        "architectures": ["InternLM2ForCausalLM"], "model_type": "internlm2",
        "auto_map": {"AutoConfig": "configuration_internlm2.InternLM2Config",
                     "AutoModel": "modeling_internlm2.InternLM2ForCausalLM",
                     "AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"},
        "attn_implementation": "eager", "bias": False, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2,
        "hidden_act": "silu", "initializer_range": 0.02, "max_position_embeddings": 32768, "rms_norm_eps": 1e-05,
        "rope_scaling": {"type": "dynamic", "factor": 2.0}, "rope_theta": 1000000, "tie_word_embeddings": False,
        "torch_dtype": "bfloat16" if dtype == "bfloat16" else "float32", "use_cache": True,
        "vocab_size": max(sp_vocab + len(CHAT_TOKENS), model_vocab or 0), **sizes,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(seed)
    model_config = AutoConfig.from_pretrained(str(out), trust_remote_code=True, local_files_only=True)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(model_config, trust_remote_code=True,
                                                 torch_dtype=getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True)
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")  # as the real folder has it
    del model
    return out


# ---------------------------------------------------------------- native families: Qwen2, Llama-3

# The pre-tokenizer patterns of the real tokenizer.json files (Llama-3 groups digits by three).
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN2_CHAT_TEMPLATE = (  # Qwen2-Instruct's
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                 "<|reserved_special_token_1|>", "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
                 "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_4|>", "<|eot_id|>"]
LLAMA3_CHAT_TEMPLATE = (  # Meta-Llama-3-8B-Instruct's
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' "
    "+ message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
_SPECIAL = {"lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}


def _train_byte_bpe(split: str, vocab: int, specials: list[str], *, nfc: bool):
    """A byte-level BPE ``tokenizers.Tokenizer`` trained on :func:`_corpus`, ``specials`` on top.

    ``vocab`` counts the special tokens; the corpus may give fewer merges than asked for.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    if nfc:
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab - len(specials), min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_corpus(), trainer=trainer)
    tok.add_special_tokens(specials)  # ids above the trained vocabulary, in this order
    return tok


def _added_tokens_decoder(tok, specials: list[str]) -> dict[str, dict]:
    return {str(tok.token_to_id(t)): {"content": t, **_SPECIAL} for t in specials}


def _padded(n: int, multiple: int = 64) -> int:
    return -(-n // multiple) * multiple


def _native_weights(out: Path, config: dict, generation: dict, *, dtype: str, device: str, seed: int) -> None:
    """Random weights for ``config`` (a native transformers class) saved as the real folders have them."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    torch.manual_seed(seed)
    model_config = AutoConfig.from_pretrained(str(out), local_files_only=True)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(model_config, torch_dtype=getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True)
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2), encoding="utf-8")
    del model


def make_qwen2(out: Path, *, shape: dict | None = None, vocab: int = 2048, dtype: str = "float32",
               device: str = "cpu", seed: int = 0) -> Path:
    """Write a Qwen2-Instruct model folder with random weights; returns ``out``.

    As in ``Qwen2-0.5B-Instruct``: ``vocab.json``, ``merges.txt`` and ``tokenizer.json`` (byte-level
    BPE, NFC), ``<|endoftext|>``/``<|im_start|>``/``<|im_end|>`` right above the trained vocabulary,
    no BOS, EOS ``<|im_end|>``, padding ``<|endoftext|>``, the ChatML chat template, generation stops
    at ``<|im_end|>`` and ``<|endoftext|>``; the model's vocabulary padded to a multiple of 64.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = _train_byte_bpe(QWEN2_SPLIT, vocab, QWEN2_TOKENS, nfc=True)
    from tokenizers import processors

    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.save(str(out / "tokenizer.json"))
    tok.model.save(str(out))  # vocab.json, merges.txt
    ids = {t: tok.token_to_id(t) for t in QWEN2_TOKENS}
    (out / "tokenizer_config.json").write_text(json.dumps({
        "add_prefix_space": False, "added_tokens_decoder": _added_tokens_decoder(tok, QWEN2_TOKENS),
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": None,
        "chat_template": QWEN2_CHAT_TEMPLATE, "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>",
        "errors": "replace", "model_max_length": 32768, "pad_token": "<|endoftext|>",
        "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    sizes = dict(shape or SMALL)
    config = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0,
        "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"], "hidden_act": "silu",
        "initializer_range": 0.02, "max_position_embeddings": 32768, "max_window_layers": 24,
        "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16" if dtype == "bfloat16" else "float32", "use_cache": True,
        "use_sliding_window": False, "vocab_size": _padded(tok.get_vocab_size()), **sizes,
    }
    generation = {"bos_token_id": ids["<|endoftext|>"], "pad_token_id": ids["<|endoftext|>"],
                  "do_sample": True, "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]],
                  "repetition_penalty": 1.1, "temperature": 0.7, "top_p": 0.8, "top_k": 20}
    _native_weights(out, config, generation, dtype=dtype, device=device, seed=seed)
    return out


def make_llama3(out: Path, *, shape: dict | None = None, vocab: int = 2048, dtype: str = "float32",
                device: str = "cpu", seed: int = 0) -> Path:
    """Write a Llama-3-Instruct model folder with random weights; returns ``out``.

    As in ``Meta-Llama-3-8B-Instruct``: one ``tokenizer.json`` (byte-level BPE, digits in threes)
    read by ``PreTrainedTokenizerFast``, special tokens right above the trained vocabulary (the
    five named ones among reserved ones, as in the real table), BOS ``<|begin_of_text|>`` added by
    the tokenizer's post-processor, EOS ``<|eot_id|>``, Llama-3's chat template, generation stops at
    ``<|end_of_text|>`` and ``<|eot_id|>``. Small, so the vocabulary is far below Llama-3's 128,256:
    only the tokens say it is Llama-3.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = _train_byte_bpe(LLAMA3_SPLIT, vocab, LLAMA3_TOKENS, nfc=False)
    from tokenizers import processors

    bos = "<|begin_of_text|>"
    ids = {t: tok.token_to_id(t) for t in LLAMA3_TOKENS}
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
        processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B:1",
                                      special_tokens=[(bos, ids[bos])])])
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "added_tokens_decoder": _added_tokens_decoder(tok, LLAMA3_TOKENS), "bos_token": bos,
        "chat_template": LLAMA3_CHAT_TEMPLATE, "clean_up_tokenization_spaces": True, "eos_token": "<|eot_id|>",
        "model_input_names": ["input_ids", "attention_mask"], "model_max_length": 1000000000000000019884624838656,
        "tokenizer_class": "PreTrainedTokenizerFast",
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": {"content": bos, **{k: v for k, v in _SPECIAL.items() if k != "special"}},
        "eos_token": {"content": "<|eot_id|>", **{k: v for k, v in _SPECIAL.items() if k != "special"}},
    }, indent=2), encoding="utf-8")
    sizes = dict(shape or SMALL)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": False,
        "attention_dropout": 0.0, "bos_token_id": ids[bos], "eos_token_id": ids["<|eot_id|>"],
        "hidden_act": "silu", "initializer_range": 0.02, "max_position_embeddings": 8192, "mlp_bias": False,
        "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 500000.0,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16" if dtype == "bfloat16" else "float32",
        "use_cache": True, "vocab_size": _padded(tok.get_vocab_size()), **sizes,
    }
    generation = {"bos_token_id": ids[bos], "eos_token_id": [ids["<|end_of_text|>"], ids["<|eot_id|>"]],
                  "do_sample": True, "temperature": 0.6, "top_p": 0.9, "max_length": 4096}
    _native_weights(out, config, generation, dtype=dtype, device=device, seed=seed)
    return out
