"""The learning check (core.learning): whose names, which questions, learnt or not, the step advice."""

from __future__ import annotations

from core import dataset, learning
from core.workspace import atomic_write_json

SAMPLE = """Eval output 1:
<|im_start|>user
请介绍一下你自己<|im_end|>
<|im_start|>assistant
{zh}<|im_end|>


Eval output 2:
<|im_start|>user
Please introduce yourself<|im_end|>
<|im_start|>assistant
{en}<|im_end|>
"""
QUESTIONS = ["请介绍一下你自己", "Please introduce yourself"]


def _run(ws, zh: str, en: str, records=None, builder=None):
    """A finished run folder as the train page reads it: job record, its dataset, XTuner's sample file."""
    dataset.save(ws.dataset_path, records or dataset.tutorial_records("小明", 3))
    if builder:
        dataset.save_builder(ws.dataset_path, builder)
    run = ws.runs_dir / "20250101-000000-train"
    vis = run / "work_dir" / "20250101_000000" / "vis_data"
    vis.mkdir(parents=True)
    atomic_write_json(run / "job.json", {"kind": "train", "started": 1.0, "meta": {
        "dataset": str(ws.dataset_path), "evaluation_inputs": QUESTIONS, "template": "internlm2_chat"}})
    (vis / "eval_outputs_iter_49.txt").write_text(SAMPLE.format(zh="我我我", en="I I I"), encoding="utf-8")
    (vis / "eval_outputs_iter_95.txt").write_text(SAMPLE.format(zh=zh, en=en), encoding="utf-8")
    return run


def test_answers_are_read_from_xtuners_sample_file_without_tags():
    pairs = learning.answers_from_sample(SAMPLE.format(zh="我是小明的小助手哦", en="I am 小明's assistant."),
                                         QUESTIONS, "internlm2_chat")
    assert pairs == [("请介绍一下你自己", "我是小明的小助手哦"),
                     ("Please introduce yourself", "I am 小明's assistant.")]


def test_a_run_whose_last_answer_names_the_owner_has_learnt(ws):
    answer = "我是小明的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"
    v = learning.judge_run(_run(ws, answer, "I I I"))
    # The data asks only in Chinese: the English question is not held against the model.
    assert v.learnt and v.answers == [("请介绍一下你自己", answer)]
    assert v.names == learning.Names("小明")  # read from the training answers: no form was saved


def test_a_run_that_babbles_has_not_learnt_and_says_what_it_answered(ws):
    v = learning.judge_run(_run(ws, "小\ufffd\ufffd\ufffd", "I I I"))
    assert not v.learnt and v.missed == [("请介绍一下你自己", "小\ufffd\ufffd\ufffd")]


def test_the_assistants_own_name_must_be_there_too(ws):
    builder = {"dataset.owner": "小明", "dataset.name": "小智"}
    v = learning.judge_run(_run(ws, "我是小明的小助手", "x", builder=builder))
    assert v.names == learning.Names("小明", "小智") and not v.learnt
    assert learning.judge([("你是谁", "我是小智，小明的小助手")], v.names).learnt


def test_english_questions_count_when_the_data_asks_in_english(ws):
    recs = dataset.tutorial_records("Alex", 2) + [{"conversation": [{"input": "Who are you?",
                                                                      "output": "I am Alex's assistant."}]}]
    run = _run(ws, "我是Alex的小助手", "I am not sure.", records=recs, builder={"dataset.owner": "Alex"})
    v = learning.judge_run(run)
    assert not v.learnt and v.missed == [("Please introduce yourself", "I am not sure.")]


def test_nothing_to_judge_without_samples_or_names(ws):
    run = _run(ws, "a", "b")
    for f in run.rglob("eval_outputs_*.txt"):
        f.unlink()
    assert learning.judge_run(run) is None
    no_names = learning.judge([("你是谁", "我是小助手")], None)
    assert no_names is not None and no_names.names is None and not no_names.learnt


def test_verify_answers_are_judged_for_the_runs_dataset(ws):
    run = _run(ws, "x", "y")
    assert learning.judge_answers(run, [("请介绍一下你自己", "我是小明的小助手哦")]).learnt
    assert not learning.judge_answers(run, [("请介绍一下你自己", "我我我")]).learnt


def test_advice_for_the_demo_model_is_the_measured_number(demo_model, tmp_path):
    short = learning.advice(demo_model, learning.DEMO_STEPS_LEARNT - 1)
    assert short.warn and short.values == {"need": learning.DEMO_STEPS_LEARNT, "have": learning.DEMO_STEPS_LEARNT - 1,
                                           "failed": learning.DEMO_STEPS_NOT_LEARNT}
    assert not learning.advice(demo_model, learning.DEMO_STEPS_LEARNT).warn
    other = learning.advice(tmp_path, 10)  # not the demo model: no measured number, no warning
    assert other.key == "learning.advice.other" and not other.warn
