"""core.chat on the demo model: streaming, speed numbers, errors, and what each side loads.

The trained-model checks (identity answer, stop word, adapter on/off) are in
tests/e2e/test_chat_compare_e2e.py; these need only the untrained demo model.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from core import chat

SHORT = chat.GenerationSettings(max_new_tokens=24)


@pytest.fixture(scope="module")
def base(demo_model) -> chat.Loaded:
    return chat.load(demo_model, device="cpu")


def test_greedy_answers_are_deterministic_and_bounded(base):
    stats = chat.StreamStats()
    pieces = list(chat.stream(base, "请介绍一下你自己", settings=SHORT, stats=stats))
    text = "".join(pieces)
    assert text.strip()
    assert text.strip() == chat.answer(base, "请介绍一下你自己", settings=SHORT)
    assert 0 < stats.tokens <= SHORT.max_new_tokens
    assert stats.ttft is not None and stats.ttft > 0
    assert stats.finished is not None and stats.finished >= stats.first_token
    if stats.tokens > 1:
        assert stats.tokens_per_s > 0


def test_history_and_system_change_the_prompt(base):
    plain = chat.answer(base, "你好", settings=SHORT)
    with_history = chat.answer(base, "你好", history=[("你是谁", "我是小明同学的小助手")], settings=SHORT)
    # The model is random but deterministic: another prompt gives another continuation.
    assert with_history != plain or chat.answer(base, "你好", system="你是一个助手", settings=SHORT) != plain


def test_own_chat_template_and_missing_one(base):
    assert chat.answer(base, "hi", template_name=None, settings=SHORT)
    tok = copy.deepcopy(base.tokenizer)
    tok.chat_template = None
    bare = chat.Loaded(base.model, tok, base.path)
    with pytest.raises(chat.GenerationError) as err:
        chat.answer(bare, "hi", template_name=None, settings=SHORT)
    assert err.value.reason == "no_chat_template"


def test_closing_the_stream_stops_generation(base):
    stats = chat.StreamStats()
    gen = chat.stream(base, "你好", settings=chat.GenerationSettings(max_new_tokens=2000), stats=stats)
    next(gen)
    gen.close()  # what a page rerun does to a running answer
    assert stats.finished is not None
    assert stats.tokens < 2000
    assert not base.lock.locked()


def test_stop_cutter_holds_back_a_split_stop_word():
    cut = chat.StopCutter(["<|im_end|>", "</s>"])
    shown = [cut.feed(p) for p in ["我是", "小助手<|im", "_end|>", "more"]]
    assert "".join(shown) == "我是小助手"
    assert cut.done and cut.feed("x") == "" and cut.flush() == ""
    cut = chat.StopCutter(["<|im_end|>"])
    assert cut.feed("a <") == "a "
    assert cut.feed("b") == "<b"
    assert cut.flush() == ""
    cut = chat.StopCutter(["<|im_end|>"])
    assert cut.feed("tail <|im") == "tail "
    assert cut.flush() == "<|im"


def test_stats_arithmetic():
    s = chat.StreamStats(started=10.0, first_token=10.5, finished=12.5, tokens=9)
    assert s.ttft == pytest.approx(0.5)
    assert s.tokens_per_s == pytest.approx(4.0)
    assert chat.StreamStats(started=1.0).ttft is None
    assert chat.StreamStats(started=0, first_token=1, finished=2, tokens=1).tokens_per_s is None


# ---- errors for people ------------------------------------------------------------------------


def test_missing_and_unreadable_folders(tmp_path):
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(tmp_path / "nope", device="cpu")
    assert err.value.reason == "missing"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(broken, device="cpu")
    assert err.value.reason == "unreadable"


def test_missing_adapter_folder(demo_model, tmp_path):
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(demo_model, tmp_path, device="cpu")
    assert err.value.reason == "missing"


def test_adapter_for_another_base(demo_model, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    other = LlamaForCausalLM(LlamaConfig(vocab_size=3000, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=1))
    peft_model = get_peft_model(other, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    peft_model.save_pretrained(tmp_path / "other_adapter")
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(demo_model, tmp_path / "other_adapter", device="cpu")
    assert err.value.reason == "adapter"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_gpu_asked_for_without_one(demo_model):
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(demo_model, device="cuda")
    assert err.value.reason == "no_gpu"


def test_out_of_memory_while_loading_is_a_plain_error(demo_model, monkeypatch):
    from transformers import AutoModelForCausalLM

    def fail(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", fail)
    with pytest.raises(chat.OutOfMemory) as err:
        chat.load(demo_model, device="cpu")
    assert err.value.reason == "oom"
    assert isinstance(err.value, chat.ModelLoadError)


def test_out_of_memory_while_answering_leaves_the_model_usable(base, monkeypatch):
    def fail(**kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")

    monkeypatch.setattr(base.model, "generate", fail)
    with pytest.raises(chat.OutOfMemory) as err:
        chat.answer(base, "你好", settings=SHORT)
    assert isinstance(err.value, chat.GenerationError) and err.value.reason == "oom"
    monkeypatch.undo()
    assert chat.answer(base, "你好", settings=SHORT)


# ---- what each side loads -----------------------------------------------------------------------


def test_share_base_uses_one_model_for_base_and_adapter(tmp_path):
    base_dir, adapter = tmp_path / "base", tmp_path / "adapter"
    before = chat.Target(base_dir)
    after = chat.Target(base_dir / "." , adapter)
    shared = chat.share_base(before, after)
    assert shared.load_key == after.load_key and shared.use_adapter is False
    merged = chat.Target(tmp_path / "merged")
    assert chat.share_base(before, merged) == before
    assert chat.share_base(chat.Target(tmp_path / "other"), after).load_key != after.load_key


def _fake_run(root: Path, name: str, base: Path | None, adapter: bool, merged: bool) -> Path:
    run = root / name
    run.mkdir(parents=True)
    meta = {"model": str(base) if base else None, "template": "internlm2_chat", "system": "你是助手",
            "dataset": str(root / "data.json")}
    (run / "job.json").write_text(json.dumps({"kind": "train", "meta": meta}), encoding="utf-8")
    if adapter:
        (run / "hf_adapter").mkdir()
        (run / "hf_adapter" / "adapter_config.json").write_text("{}", encoding="utf-8")
        (run / "hf_adapter" / "adapter_model.safetensors").write_bytes(b"x")
    if merged:
        (run / "merged").mkdir()
        for f in ("config.json", "model.safetensors", "tokenizer.json"):
            (run / "merged" / f).write_text("{}", encoding="utf-8")
    return run


def test_run_options_list_only_usable_models(demo_model, tmp_path):
    both = _fake_run(tmp_path, "20250102-both", demo_model, adapter=True, merged=True)
    lost_base = _fake_run(tmp_path, "20250101-lost-base", tmp_path / "gone", adapter=True, merged=False)
    nothing = _fake_run(tmp_path, "20250100-nothing", demo_model, adapter=False, merged=False)
    opts = chat.run_options([both, lost_base, nothing])
    assert [(o.run, o.kind) for o in opts] == [("20250102-both", "adapter"), ("20250102-both", "merged")]
    adapter_opt, merged_opt = opts
    assert adapter_opt.target == chat.Target(demo_model, both / "hf_adapter")
    assert merged_opt.target == chat.Target(both / "merged")
    assert adapter_opt.template == "internlm2_chat" and adapter_opt.system == "你是助手"
    assert adapter_opt.base_model == demo_model


def test_available_devices_and_release(base):
    devices = chat.available_devices()
    assert devices[:2] == ["auto", "cpu"]
    assert ("cuda" in devices) == torch.cuda.is_available()
    chat.release_memory()  # must not break a model still in use
    assert chat.answer(base, "你好", settings=SHORT)
