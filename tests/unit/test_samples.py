"""core.samples: XTuner's eval output files shown as questions and answers.

``data/eval_outputs_learned.txt`` is a file XTuner 0.2.0's EvaluateChatHook wrote during a real
CPU training of the demo model (internlm2_chat template), after it learned the identity answer.
``data/eval_outputs_untrained.txt`` holds the same run's samples from before training (the
untrained model babbles, undecodable bytes included), as its log printed them, laid out the way
the hook writes its files (``Eval output i:`` + the text + blank lines).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import samples, templates

DATA = Path(__file__).parent / "data"
LEARNED = (DATA / "eval_outputs_learned.txt").read_text(encoding="utf-8")
UNTRAINED = (DATA / "eval_outputs_untrained.txt").read_text(encoding="utf-8")
QUESTIONS = ["请介绍一下你自己", "Please introduce yourself"]
ANSWER = "我是小明同学的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"


def test_learned_answers_come_out_without_tags():
    found = samples.parse_file(49, LEARNED, templates.template("internlm2_chat"), QUESTIONS)
    assert [(s.iteration, s.number, s.question, s.answer) for s in found] == [
        (49, 1, QUESTIONS[0], ANSWER), (49, 2, QUESTIONS[1], ANSWER)]
    assert all("<|im_start|>" in s.raw and "Eval output" not in s.raw for s in found)


def test_questions_found_from_the_template_alone():
    found = samples.parse_file(49, LEARNED, templates.template("internlm2_chat"), [])
    assert [(s.question, s.answer) for s in found] == [(QUESTIONS[0], ANSWER), (QUESTIONS[1], ANSWER)]


def test_babbling_model_undecodable_bytes_said_in_words():
    found = samples.parse_file(9, UNTRAINED, templates.template("internlm2_chat"), QUESTIONS)
    assert [s.question for s in found] == QUESTIONS
    assert any("\ufffd" in s.answer for s in found)  # the real file has them
    for s in found:
        assert "<|im_start|>" not in s.answer and "<|im_end|>" not in s.answer
        said = samples.say_undecodable(s.answer, "（无法解码的字节）")
        assert "\ufffd" not in said
        if "\ufffd" in s.answer:
            assert "（无法解码的字节）" in said
            assert "（无法解码的字节）（无法解码的字节）" not in said  # a run of them said once


def test_say_undecodable_and_share():
    assert samples.say_undecodable("小\ufffd\ufffd\ufffd好", "(x)") == "小(x)好"
    assert samples.undecodable_share("a\ufffd") == 0.5 and samples.undecodable_share("") == 0.0


@pytest.mark.parametrize("name", ["internlm2_chat", "qwen_chat", "llama3_chat", "default", "vicuna", "chatglm3",
                                  "llama2_chat"])
def test_each_family_template_and_its_system(name):
    """The text EvaluateChatHook decodes: (SYSTEM + INSTRUCTION).format(input), then the generation."""
    template = templates.template(name)
    stop = (template.get("STOP_WORDS") or ["</s>"])[0]
    system = template.get("SYSTEM", "{system}\n").format(system="你是小明的助手。")
    for question, questions in (("你是谁？", ["你是谁？"]), ("你是谁？", [])):
        raw = system + template["INSTRUCTION"].format(input=question, round=1) + "我是小明的小助手。" + stop
        q, answer = samples.parse_block(raw, template, questions[0] if questions else None)
        assert answer == "我是小明的小助手。", (name, raw)
        assert q == question


def test_unknown_template_keeps_the_text_without_tags():
    q, answer = samples.parse_block("<|im_start|>user\nhi<|im_end|>\nhello", None)
    assert q is None and answer == "user\nhi\nhello"
    q, answer = samples.parse_block("hi there", None, "hi")
    assert (q, answer) == ("hi", "there")


def test_sample_files_read_each_file_once(tmp_path):
    vis = tmp_path / "20261202_044016" / "vis_data"
    vis.mkdir(parents=True)
    (vis / "eval_outputs_iter_49.txt").write_text(LEARNED, encoding="utf-8")
    files = samples.SampleFiles(tmp_path)
    template = templates.template("internlm2_chat")
    first = files.read(template, QUESTIONS)
    assert [(s.iteration, s.number) for s in first] == [(49, 1), (49, 2)]
    seen = dict(files.seen)
    (vis / "eval_outputs_iter_9.txt").write_text(UNTRAINED, encoding="utf-8")
    (vis / "eval_outputs_iter_x.txt").write_text("ignored", encoding="utf-8")
    both = files.read(template, QUESTIONS)
    assert [(s.iteration, s.number) for s in both] == [(9, 1), (9, 2), (49, 1), (49, 2)]
    assert files.seen[vis / "eval_outputs_iter_49.txt"] is seen[vis / "eval_outputs_iter_49.txt"]  # not re-read
