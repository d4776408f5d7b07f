"""Before/after chat on a really trained run (CPU, real XTuner): identity, stop word, adapter on/off.

The run (train → pth_to_hf → merge) is the session's ``trained`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from core import chat, scorecard
from core.runs import RunPaths
from tests.e2e.chat_run import NAME, QUESTION, expected_answer

SETTINGS = chat.GenerationSettings(max_new_tokens=96)


@pytest.fixture(scope="module")
def run(trained):
    ws, run_dir = trained
    return ws, RunPaths(run_dir)


@pytest.fixture(scope="module")
def merged(run):
    return chat.load(run[1].merged, device="cpu")


@pytest.fixture(scope="module")
def with_adapter(run, demo_model):
    return chat.load(demo_model, run[1].adapter, device="cpu")


def test_merged_model_answers_and_stops_at_the_stop_word(merged):
    stats = chat.StreamStats()
    text = "".join(chat.stream(merged, QUESTION, template_name="internlm2_chat", settings=SETTINGS, stats=stats))
    assert text.strip() == expected_answer()
    assert "<|im_end|>" not in text and "</s>" not in text
    # It stopped on its own: the stop word came long before the token limit.
    assert stats.tokens < SETTINGS.max_new_tokens
    assert stats.ttft is not None and stats.ttft > 0 and stats.tokens_per_s > 0


def test_own_chat_template_stops_at_the_models_end_of_turn(merged):
    # The demo tokenizer's EOS is </s>; its chat template ends turns with <|im_end|>, which the
    # model's generation config lists as an end token (as InternLM2-chat's does).
    stats = chat.StreamStats()
    text = chat.answer(merged, QUESTION, template_name=None, settings=SETTINGS, stats=stats)
    assert NAME in text and "<|im_end|>" not in text
    assert stats.tokens < SETTINGS.max_new_tokens


def test_adapter_off_is_the_base_model_and_on_is_the_merged_model(demo_model, merged, with_adapter):
    base = chat.load(demo_model, device="cpu")
    kw = dict(template_name="internlm2_chat", settings=SETTINGS)
    before = chat.answer(base, QUESTION, **kw)
    after = chat.answer(merged, QUESTION, **kw)
    assert before != after and NAME not in before
    assert chat.answer(with_adapter, QUESTION, use_adapter=False, **kw) == before
    assert chat.answer(with_adapter, QUESTION, use_adapter=True, **kw) == after
    # Switching off is temporary: the adapter is back on for the next answer.
    assert chat.answer(with_adapter, QUESTION, **kw) == after
    # A general question answered with the adapter off is the base model's answer too.
    assert chat.answer(with_adapter, "上海有哪些好玩的景点？", use_adapter=False, **kw) == \
        chat.answer(base, "上海有哪些好玩的景点？", **kw)


def test_run_options_offer_the_run_with_its_format_and_names(run, demo_model):
    ws, paths = run
    opts = chat.run_options(ws.run_dirs())
    assert [(o.run, o.kind) for o in opts] == [(paths.root.name, "adapter"), (paths.root.name, "merged")]
    assert opts[0].template == "internlm2_chat" and opts[0].base_model == demo_model
    shared = chat.share_base(chat.Target(opts[0].base_model), opts[0].target)
    assert shared.load_key == opts[0].target.load_key and not shared.use_adapter
    assert scorecard.names_from_records(scorecard.load_records(opts[0].dataset)) == [NAME]


def test_scorecard_on_real_models(with_adapter):
    def ask(on: bool):
        return lambda q: chat.answer(with_adapter, q, use_adapter=on, template_name="internlm2_chat",
                                     settings=SETTINGS)

    card = scorecard.run(ask(False), ask(True), [QUESTION], ["上海有哪些好玩的景点？"], [NAME])
    assert card.hit_rate_before == 0.0 and card.hit_rate_after == 1.0
    assert card.rows[0].after == expected_answer()
    assert 0.0 <= card.general_drift <= 1.0
