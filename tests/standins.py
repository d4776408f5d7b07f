"""Model folders that stand in for real ones: an InternLM2 laid out like ``internlm2-chat-1_8b``.

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
