"""Preset and template suggestion from what a model folder says (core.families, core.config_form).

Folders here hold only the small JSON files the rules read: config.json, tokenizer_config.json,
tokenizer.json, chat_template.jinja, written as the real model folders have them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import config_form, families

LLAMA3_TEMPLATE = ("{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                   " + message['content'] + '<|eot_id|>' }}{% endfor %}")
LLAMA2_TEMPLATE = ("{% for message in messages %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}"
                   "{% endfor %}")
CHATML_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
                   "+ '<|im_end|>\\n'}}{% endfor %}")
SMALL = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=688)
SEVEN_B = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=14336)


def _decoder(tokens: list[str], first: int) -> dict:
    return {str(first + i): {"content": t, "special": True} for i, t in enumerate(tokens)}


def folder(tmp_path: Path, name: str, model_type: str, *, vocab: int = 2048, shape: dict | None = None,
           tok_config: dict | None = None, tokenizer_json: dict | None = None, jinja: str | None = None) -> Path:
    out = tmp_path / name
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"model_type": model_type, "vocab_size": vocab, **(shape or SMALL)}))
    if tok_config is not None:
        (out / "tokenizer_config.json").write_text(json.dumps(tok_config))
    if tokenizer_json is not None:
        (out / "tokenizer.json").write_text(json.dumps(tokenizer_json))
    if jinja is not None:
        (out / "chat_template.jinja").write_text(jinja)
    return out


LLAMA3_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]


def test_small_llama3_known_by_its_tokens(tmp_path):
    d = folder(tmp_path, "llama3-small", "llama", tok_config={
        "added_tokens_decoder": _decoder(LLAMA3_TOKENS, 2043), "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>", "tokenizer_class": "PreTrainedTokenizerFast"})
    assert families.read(d).llama3_chat
    assert config_form.suggest_template(d) == "llama3_chat"
    assert config_form.suggest_preset(d) == "llama3_8b_instruct_qlora_alpaca_e3"


def test_llama3_tokens_only_in_tokenizer_json(tmp_path):
    # An early Llama-3 tokenizer_config lists no added tokens: tokenizer.json has them.
    d = folder(tmp_path, "llama3-old", "llama", tok_config={"tokenizer_class": "PreTrainedTokenizerFast"},
               tokenizer_json={"added_tokens": [{"id": 2043 + i, "content": t} for i, t in enumerate(LLAMA3_TOKENS)]})
    assert config_form.suggest_template(d) == "llama3_chat"


def test_llama3_known_by_chat_template_file(tmp_path):
    d = folder(tmp_path, "llama3-jinja", "llama", tok_config={}, jinja=LLAMA3_TEMPLATE)
    assert config_form.suggest_template(d) == "llama3_chat"


def test_large_vocab_alone_is_not_llama3(tmp_path):
    # Llama-architecture models with 128,256 tokens and a chat format of their own exist
    # (e.g. distilled ones whose tokenizer renames those tokens): the size says nothing.
    d = folder(tmp_path, "llama-big-vocab", "llama", vocab=128256, shape=SEVEN_B, tok_config={
        "added_tokens_decoder": _decoder(["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"], 128000),
        "chat_template": "{{ bos_token }}{% for m in messages %}<｜User｜>{{ m['content'] }}{% endfor %}"})
    assert not families.read(d).llama3_chat
    assert config_form.suggest_template(d) == "llama2_chat"


def test_llama2(tmp_path):
    d = folder(tmp_path, "llama2", "llama", vocab=32000, shape=SEVEN_B, tok_config={
        "bos_token": "<s>", "eos_token": "</s>", "chat_template": LLAMA2_TEMPLATE})
    assert config_form.suggest_template(d) == "llama2_chat"
    assert config_form.suggest_preset(d) == "llama2_7b_chat_qlora_alpaca_e3"


@pytest.mark.parametrize(("shape", "preset"), [(SMALL, "qwen1_5_0_5b_chat_qlora_alpaca_e3"),
                                               (SEVEN_B, "qwen1_5_7b_chat_qlora_alpaca_e3")])
def test_qwen2_by_size(tmp_path, shape, preset):
    d = folder(tmp_path, "qwen2", "qwen2", vocab=151936, shape=shape, tok_config={
        "added_tokens_decoder": _decoder(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], 151643),
        "bos_token": None, "eos_token": "<|im_end|>", "chat_template": CHATML_TEMPLATE,
        "tokenizer_class": "Qwen2Tokenizer"})
    assert config_form.suggest_template(d) == "qwen_chat"
    assert config_form.suggest_preset(d) == preset


def test_unreadable_tokenizer_config_falls_back(tmp_path):
    d = folder(tmp_path, "broken", "llama")
    (d / "tokenizer_config.json").write_text("{ not json")
    got = families.read(d)
    assert got.model_type == "llama" and got.tokens == frozenset() and got.chat_template == ""
    assert config_form.suggest_template(d) == "llama2_chat"


def test_no_folder_gives_the_tutorials_choice(tmp_path):
    assert config_form.suggest_template(tmp_path / "absent") == "internlm2_chat"
    assert config_form.suggest_preset(tmp_path / "absent") == "internlm2_chat_1_8b_qlora_alpaca_e3"
    assert config_form.suggest_preset(None) == "internlm2_chat_1_8b_qlora_alpaca_e3"


def test_changed_folder_is_read_again(tmp_path):
    d = folder(tmp_path, "changing", "llama", tok_config={"eos_token": "</s>"})
    assert not families.read(d).llama3_chat
    (d / "tokenizer_config.json").write_text(json.dumps({"chat_template": LLAMA3_TEMPLATE}))
    assert families.read(d).llama3_chat
