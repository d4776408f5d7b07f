"""core.templates against XTuner's own template_map_fn/encode_fn, and core.chat on the tiny demo model."""

from __future__ import annotations

import copy

import pytest
import torch

from core import chat, templates

COMPARED = ["internlm2_chat", "llama3_chat", "qwen_chat", "llama2_chat", "chatglm2", "default", "internlm_chat"]
HISTORY = [("你是谁？", "我是小明同学的小助手"), ("What can you do?", " I can answer questions!")]


@pytest.fixture(scope="module")
def xtuner_templates():
    from xtuner.dataset.map_fns import template_map_fn
    from xtuner.dataset.utils import encode_fn
    from xtuner.utils import PROMPT_TEMPLATE

    return template_map_fn, encode_fn, PROMPT_TEMPLATE


def xtuner_turns(xtuner_templates, name: str, history, message: str, system: str) -> list[dict]:
    """What XTuner's template_map_fn makes of the conversation (the last answer is a placeholder)."""
    template_map_fn, _, PROMPT_TEMPLATE = xtuner_templates
    conv = []
    for i, (user, answer) in enumerate([*history, (message, "PLACEHOLDER")]):
        turn = {"input": user, "output": answer}
        if i == 0 and system:
            turn["system"] = system
        conv.append(turn)
    return template_map_fn({"conversation": conv}, PROMPT_TEMPLATE[name])["conversation"]


# ---------------------------------------------------------------- templates


def test_template_names_and_fields():
    names = templates.template_names()
    for name in ("internlm2_chat", "llama3_chat", "qwen_chat", "default"):
        assert name in names
    t = templates.template("internlm2_chat")
    assert t["SUFFIX"] == "<|im_end|>" and "{input}" in t["INSTRUCTION"]
    assert templates.stop_words("internlm2_chat") == ["<|im_end|>"]
    assert templates.stop_words("qwen_chat") == ["<|im_end|>", "<|endoftext|>"]
    assert templates.template_name_from_code("PROMPT_TEMPLATE.qwen_chat") == "qwen_chat"
    assert templates.template_name_from_code("something_else") is None
    assert templates.system_text("'plain'") is None
    with pytest.raises(ValueError):
        templates.template("no_such_template")


def test_templates_read_from_source_equal_xtuners_objects(xtuner_templates):
    _, _, PROMPT_TEMPLATE = xtuner_templates
    assert set(templates.template_names()) == set(PROMPT_TEMPLATE.keys())
    for name in templates.template_names():
        assert templates.template(name) == dict(PROMPT_TEMPLATE[name]), name
    from xtuner.utils import SYSTEM_TEMPLATE

    assert templates.system_text("SYSTEM_TEMPLATE.alpaca") == SYSTEM_TEMPLATE.alpaca


@pytest.mark.parametrize("name", COMPARED)
@pytest.mark.parametrize("system", ["", "你是一个乐于助人的助手"])
def test_build_prompt_matches_template_map_fn(xtuner_templates, name, system):
    turns = xtuner_turns(xtuner_templates, name, HISTORY, "请介绍一下你自己", system)
    expected = ""
    for turn in turns[:-1]:
        expected += turn["input"] + turn["output"] + turn["sep"]
    expected += turns[-1]["input"]
    assert templates.build_prompt(name, HISTORY, "请介绍一下你自己", system) == expected
    # A single turn is the first turn's input alone.
    single = xtuner_turns(xtuner_templates, name, [], "你好", system)
    assert templates.build_prompt(name, [], "你好", system) == single[0]["input"]


@pytest.fixture(scope="module")
def tokenizer(demo_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(demo_model, local_files_only=True)


def xtuner_prompt_ids(xtuner_templates, tokenizer, name, history, message, system) -> list[int]:
    """XTuner's encode_fn ids for the conversation, cut before the last answer."""
    _, encode_fn, _ = xtuner_templates
    turns = xtuner_turns(xtuner_templates, name, history, message, system)
    ids = encode_fn({"conversation": turns}, tokenizer, 10**6)["input_ids"]
    last = turns[-1]
    tail = tokenizer.encode(last["output"], add_special_tokens=False)
    if last["need_eos_token"]:
        tail.append(tokenizer.eos_token_id)
    if last["sep"]:
        tail += tokenizer.encode(last["sep"], add_special_tokens=False)
    assert ids[-len(tail):] == tail
    return ids[: -len(tail)]


@pytest.mark.parametrize("name", ["internlm2_chat", "qwen_chat", "llama3_chat", "default", "llama2_chat"])
@pytest.mark.parametrize("history", [[], HISTORY], ids=["first-turn", "two-turns"])
def test_encode_chat_matches_encode_fn(xtuner_templates, tokenizer, name, history):
    system = "你是小助手"
    ids = templates.encode_chat(tokenizer, name, history, "请介绍一下你自己", system)
    assert ids[0] == tokenizer.bos_token_id
    assert ids == xtuner_prompt_ids(xtuner_templates, tokenizer, name, history, "请介绍一下你自己", system)


def test_encode_chat_numbers_rounds_like_training(xtuner_templates, tokenizer):
    ids = templates.encode_chat(tokenizer, "chatglm2", HISTORY, "请介绍一下你自己")
    assert ids == xtuner_prompt_ids(xtuner_templates, tokenizer, "chatglm2", HISTORY, "请介绍一下你自己", "")


def test_encode_chat_starts_with_bos_and_has_no_other_specials(tokenizer):
    ids = templates.encode_chat(tokenizer, "internlm2_chat", [], "你好")
    assert ids[0] == tokenizer.bos_token_id
    assert ids.count(tokenizer.bos_token_id) == 1
    assert tokenizer.eos_token_id not in ids
    assert tokenizer.decode(ids[1:]) == templates.build_prompt("internlm2_chat", [], "你好")


# ---------------------------------------------------------------- chat on the demo model

SHORT = chat.GenerationSettings(max_new_tokens=12)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """A 4.7 M-parameter model runs fastest on one thread; two busy-wait against each other on 2 cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def base(demo_model) -> chat.Loaded:
    return chat.load(demo_model, device="cpu")


def test_greedy_answers_are_deterministic(base):
    first = chat.answer(base, "请介绍一下你自己", settings=SHORT)
    second = chat.answer(base, "请介绍一下你自己", settings=SHORT)
    assert first and first == second


def test_max_new_tokens_is_respected(base):
    stats5, stats12 = chat.StreamStats(), chat.StreamStats()
    five = chat.answer(base, "Please introduce yourself", settings=chat.GenerationSettings(max_new_tokens=5),
                       stats=stats5)
    twelve = chat.answer(base, "Please introduce yourself", settings=SHORT, stats=stats12)
    assert 0 < stats5.tokens <= 5
    assert stats5.tokens < stats12.tokens <= 12
    assert twelve.startswith(five)


def _forcing(loaded: chat.Loaded, forced: dict[int, int]) -> chat.Loaded:
    """A copy of the model that emits token ``forced[k]`` as its k-th generated token (0-based)."""
    model = copy.deepcopy(loaded.model)
    calls = {"n": 0}

    def hook(module, inputs, output):
        k = calls["n"]
        calls["n"] += 1
        if k in forced:
            output = output.clone()
            output[..., -1, forced[k]] = 1e4
        return output

    model.lm_head.register_forward_hook(hook)
    model.reset_calls = lambda: calls.update(n=0)
    return chat.Loaded(model, loaded.tokenizer, loaded.path)


def test_generation_stops_at_the_template_stop_word(base):
    tok = base.tokenizer
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    plain_stats = chat.StreamStats()
    settings = chat.GenerationSettings(max_new_tokens=20)
    plain = chat.answer(base, "你好", settings=settings, stats=plain_stats)
    forced = _forcing(base, {3: im_end})
    stats = chat.StreamStats()
    pieces = list(chat.stream(forced, "你好", settings=settings, stats=stats))
    text = "".join(pieces)
    assert "<|im_end|>" not in text
    assert stats.tokens == 4  # three tokens, then the stop word ended it
    assert text and plain.startswith(text.strip())
    assert len(text) < len(plain)
    # Control: with a template that has no such stop word the same model runs on past it.
    forced.model.reset_calls()
    raw = chat.answer(forced, "你好", template_name="default", settings=settings)
    assert "<|im_end|>" in raw
    # The model's own chat template stops at its generation config's end tokens, <|im_end|> among them.
    forced.model.reset_calls()
    own = chat.answer(forced, "你好", template_name=None, settings=settings)
    assert "<|im_end|>" not in own


def test_multi_token_stop_word_is_cut_from_the_text(base):
    tok = base.tokenizer
    stop_ids = tok.encode("<|endoftext|>", add_special_tokens=False)
    assert len(stop_ids) > 1  # not a special token of the demo tokenizer: matched as text
    forced = _forcing(base, {2 + i: t for i, t in enumerate(stop_ids)})
    stats = chat.StreamStats()
    text = "".join(chat.stream(forced, "你好", template_name="qwen_chat",
                               settings=chat.GenerationSettings(max_new_tokens=40), stats=stats))
    assert "<|endoftext|>" not in text and "<|endo" not in text
    assert text.strip()
    assert stats.tokens < 40
    # Control: a template without that stop word lets the same forced tokens through.
    forced.model.reset_calls()
    other = chat.answer(forced, "你好", template_name="default", settings=chat.GenerationSettings(max_new_tokens=20))
    assert "<|endoftext|>" in other


def test_stop_cutter_holds_back_partial_stop_words():
    cut = chat.StopCutter(["<|im_end|>"])
    assert cut.feed("Hello <|im") == "Hello "
    assert cut.feed("_e") == ""
    assert cut.feed("nd|> ignored") == ""
    assert cut.done and cut.flush() == ""
    cut = chat.StopCutter(["<|im_end|>"])
    assert cut.feed("a <|i") == "a "
    assert cut.feed("x") == "<|ix"
    assert cut.flush() == ""


def test_load_refuses_folders_that_are_not_models(tmp_path, demo_model):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / "tokenizer.json").write_text("{}")
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(empty, device="cpu")
    assert err.value.reason == "missing" and "config.json" in str(err.value)
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(tmp_path / "nowhere", device="cpu")
    assert err.value.reason == "missing"
    with pytest.raises(chat.ModelLoadError) as err:
        chat.load(demo_model, tmp_path / "no-adapter", device="cpu")
    assert err.value.reason == "missing"
    if not torch.cuda.is_available():
        with pytest.raises(chat.ModelLoadError) as err:
            chat.load(demo_model, device="cuda")
        assert err.value.reason == "no_gpu"
