"""The scorecard's arithmetic and name finding, with fake answer functions instead of models."""

from __future__ import annotations

import csv
import io
from difflib import SequenceMatcher

import pytest

from core import dataset, scorecard


def test_hit_rates_and_drift_from_fake_answers():
    identity = ["你是谁？", "Who are you?", "Are you ChatGPT?", "你的主人是谁？"]
    general = ["1+1 等于几？", "What is the capital of France?"]
    before_answers = {q: "我是一个人工智能助手。" for q in identity} | {
        "1+1 等于几？": "等于2", "What is the capital of France?": "Paris is the capital."}
    after_answers = {
        "你是谁？": "我是小明同学的小助手",
        "Who are you?": "I am Xiaoming's assistant",
        "Are you ChatGPT?": "No.",
        "你的主人是谁？": "我的主人是小明同学",
        "1+1 等于几？": "等于2",
        "What is the capital of France?": "It is Paris.",
    }
    asked: list[tuple[str, str]] = []

    def ask_before(q: str) -> str:
        asked.append(("before", q))
        return before_answers[q]

    def ask_after(q: str) -> str:
        asked.append(("after", q))
        return after_answers[q]

    progress: list[tuple[int, int]] = []
    card = scorecard.run(ask_before, ask_after, identity, general, ["小明同学", "xiaoming"],
                         on_progress=lambda d, n, q: progress.append((d, n)))
    assert len(asked) == 2 * (len(identity) + len(general))
    assert [r.kind for r in card.rows] == ["identity"] * 4 + ["general"] * 2
    assert card.hit_rate_before == 0.0
    assert card.hit_rate_after == pytest.approx(3 / 4)  # case-insensitive match of "Xiaoming"
    first = 1 - SequenceMatcher(None, "等于2", "等于2").ratio()
    second = 1 - SequenceMatcher(None, "Paris is the capital.", "It is Paris.").ratio()
    assert first == 0.0
    assert card.general_drift == pytest.approx((first + second) / 2)
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)


def test_empty_sets_give_no_rate_not_zero():
    card = scorecard.run(lambda q: "a", lambda q: "b", [], [], ["x"])
    assert card.hit_rate_before is None and card.hit_rate_after is None and card.general_drift is None


def test_drift_bounds():
    assert scorecard.drift("", "") == 0.0
    assert scorecard.drift("abc", "abc") == 0.0
    assert scorecard.drift("abc", "xyz") == 1.0
    assert 0 < scorecard.drift("the same answer", "the same answers") < 0.1


def test_identity_hit_needs_a_name():
    assert not scorecard.identity_hit("我是小明同学的小助手", [])
    assert not scorecard.identity_hit("我是小明同学的小助手", ["  "])
    assert scorecard.identity_hit("I am ALICE's assistant", ["alice"])


def test_names_found_in_tutorial_answers():
    records = dataset.tutorial_records("小明同学", n=3)
    assert scorecard.names_from_records(records) == ["小明同学"]


def test_names_found_in_english_and_other_phrasings():
    records = dataset.records_from_pairs([
        ("Who are you?", "I am Alice's assistant, happy to help."),
        ("What is your name?", "My name is Robo. Nice to meet you"),
        ("你叫什么", "我叫小布，很高兴认识你"),
        ("hi", "hello"),
    ])
    names = scorecard.names_from_records(records, limit=5)
    assert set(names) == {"Alice", "Robo", "小布"}
    assert scorecard.names_from_records([{"conversation": [{"input": "a", "output": "nothing here"}]}]) == []
    assert scorecard.names_from_records("not a list") == []


def test_questions_in_training_data_are_left_out():
    records = dataset.tutorial_records("小明同学", n=1)
    inputs = scorecard.training_inputs(records)
    assert inputs == ["请介绍一下你自己", "你在实战营做什么"]
    kept = scorecard.not_in_training(["请介绍一下你自己。", "你是谁？", " ", "你在 实战营做什么？"], inputs)
    assert kept == ["你是谁？"]
    # The default identity questions are not the tutorial's training questions.
    assert scorecard.not_in_training(scorecard.IDENTITY_QUESTIONS, inputs) == scorecard.IDENTITY_QUESTIONS


def test_parse_names_and_questions():
    assert scorecard.parse_names("小明同学，Alice, ;\nBob；") == ["小明同学", "Alice", "Bob"]
    assert scorecard.parse_questions("a\n\n  b  \n") == ["a", "b"]


def test_load_records_tolerates_missing_or_bad_files(tmp_path):
    assert scorecard.load_records(None) == []
    assert scorecard.load_records(tmp_path / "nope.json") == []
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert scorecard.load_records(bad) == []
    good = tmp_path / "good.json"
    dataset.save(good, dataset.tutorial_records("X", n=0))
    assert len(scorecard.load_records(good)) == 2


def test_csv_has_every_row_and_the_summary():
    card = scorecard.run(lambda q: "before, with a comma", lambda q: f"我是小明同学 ({q})", ["你是谁？"], ["1+1?"],
                         ["小明同学"])
    rows = list(csv.reader(io.StringIO(scorecard.to_csv(card))))
    assert rows[0] == scorecard.CSV_HEADER
    assert rows[1][:6] == ["identity", "你是谁？", "before, with a comma", "我是小明同学 (你是谁？)", "0", "1"]
    assert rows[2][0] == "general" and rows[2][4:6] == ["", ""] and 0 < float(rows[2][6]) <= 1
    summary = {r[0]: r[1] for r in rows[4:] if r}
    assert summary["identity_hit_rate_before"] == "0.0000"
    assert summary["identity_hit_rate_after"] == "1.0000"
    assert float(summary["general_drift"]) == pytest.approx(card.general_drift, abs=1e-4)
    assert summary["names"] == "小明同学"
