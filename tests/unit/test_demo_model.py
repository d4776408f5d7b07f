"""core.demo_model: deterministic files, a loadable folder, a tokenizer that fits internlm2_chat."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core import demo_model as dm
from core.models import is_model_dir


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def tokenizer(demo_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(demo_model, local_files_only=True)


def test_two_builds_are_byte_identical(demo_model, tmp_path):
    second = dm.make_demo_model(tmp_path / "again" / dm.DEMO_NAME)
    first_files, second_files = digests(demo_model), digests(second)
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "studio_demo.json"} <= set(first_files)
    assert first_files == second_files
    # No temporary build folder is left next to it.
    assert [p.name for p in second.parent.iterdir()] == [dm.DEMO_NAME]


def test_model_dir_checks(demo_model, tmp_path):
    assert is_model_dir(demo_model)
    assert dm.is_demo_model(demo_model)
    assert not is_model_dir(tmp_path)
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "config.json").write_text((demo_model / "config.json").read_text())
    assert not is_model_dir(partial)  # no weights, no tokenizer
    (partial / "model.safetensors").write_bytes(b"x")
    assert not is_model_dir(partial)  # still no tokenizer
    (partial / "tokenizer.json").write_text("{}")
    assert is_model_dir(partial)
    assert not dm.is_demo_model(partial)


def test_existing_folder_is_kept_unless_overwrite(demo_model, tmp_path):
    import shutil

    target = tmp_path / "m"
    shutil.copytree(demo_model, target)
    marker = target / "README.md"
    marker.write_text("edited")
    assert dm.make_demo_model(target) == target
    assert marker.read_text() == "edited"


def test_special_tokens_are_single_tokens(tokenizer):
    for token in ("<|im_start|>", "<|im_end|>"):
        ids = tokenizer.encode(token, add_special_tokens=False)
        assert len(ids) == 1, token
        assert tokenizer.convert_ids_to_tokens(ids[0]) == token
        assert token in tokenizer.all_special_tokens
    assert tokenizer.bos_token == "<s>" and tokenizer.eos_token == "</s>"
    text = "<|im_start|>user\n你好<|im_end|>\n"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert ids.count(tokenizer.convert_tokens_to_ids("<|im_end|>")) == 1
    assert tokenizer.decode(ids) == text


@pytest.mark.parametrize("name", [
    "伍鲜同志", "小明同学", "Ada Lovelace", "Zoë Ñandú", "Müller-Lüdenscheidt", "Дмитрий", "محمد",
    "नमस्ते दुनिया", "김민준", "山田太郎さん", "🤖 Robo 🚀", "a\u0301 combining", "  spaced  name  ", "tab\tand\nnewline",
])
def test_any_unicode_name_round_trips(tokenizer, name):
    ids = tokenizer.encode(name, add_special_tokens=False)
    assert ids
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids) == name
    sentence = f"我是{name}的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"
    assert tokenizer.decode(tokenizer.encode(sentence, add_special_tokens=False)) == sentence


def test_tutorial_phrases_are_compact(tokenizer):
    # The tokenizer learnt the tutorial's phrases: far fewer tokens than UTF-8 bytes.
    phrase = "我在这里帮助完成XTuner微调个人小助手的任务"
    assert len(tokenizer.encode(phrase, add_special_tokens=False)) < len(phrase.encode("utf-8")) / 3


def test_model_config_matches_the_tokenizer(demo_model, tokenizer):
    import json

    cfg = json.loads((demo_model / "config.json").read_text())
    assert cfg["model_type"] == "llama"
    assert cfg["vocab_size"] == len(tokenizer)
    assert cfg["bos_token_id"] == tokenizer.bos_token_id
    gen = json.loads((demo_model / "generation_config.json").read_text())
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in gen["eos_token_id"]
