"""The identity library, table rows, mixing, statistics and estimates of the dataset builder."""

from __future__ import annotations

import json

import pytest

from core import dataset, identity, monitor
from core import dataset_stats as ds
from core.workspace import atomic_write_json

FORM = identity.Identity("小明", "小智", "内在是上海AI实验室书生·浦语的1.8B大模型", "built on InternLM2 1.8B", "both")


# ---------------------------------------------------------------- the library


def test_library_has_at_least_40_distinct_questions_in_both_languages():
    rows = identity.library_rows(FORM)
    questions = [r["question"] for r in rows]
    assert len(set(questions)) == len(questions) >= 40
    assert any("ChatGPT" in q for q in questions) and any("开发" in q for q in questions)
    assert any(q.startswith("Who") for q in questions) and any("你能做什么" in q for q in questions)
    zh_only = identity.library_rows(identity.Identity("小明", langs="zh"))
    en_only = identity.library_rows(identity.Identity("Alex", langs="en"))
    assert len(zh_only) + len(en_only) == len(rows)
    assert all(not r["question"].isascii() for r in zh_only)
    assert all(r["question"].isascii() for r in en_only)


def test_answers_are_filled_from_the_form_with_several_phrasings():
    rows = identity.library_rows(FORM)
    assert all("小明" in r["answer"] for r in rows)
    assert all("{" not in r["answer"] for r in rows)
    intro = [r["answer"] for r in rows if r["question"] in ("请介绍一下你自己", "你是谁？", "你好，你是谁呀？")]
    assert len(set(intro)) == 3  # different phrasings, not one answer copied
    first = rows[0]
    assert first == {"question": "请介绍一下你自己",
                     "answer": "我是小智，小明的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"}
    chatgpt = next(r["answer"] for r in rows if r["question"] == "Are you ChatGPT?")
    assert "not ChatGPT" in chatgpt and "built on InternLM2 1.8B" in chatgpt


def test_without_a_name_the_answer_is_the_tutorial_wording():
    rows = identity.library_rows(identity.Identity("小明", description_zh="内在是上海AI实验室书生·浦语的1.8B大模型"))
    assert rows[0]["answer"] == dataset.tutorial_pairs("小明")[0][1]


def test_library_needs_an_owner():
    with pytest.raises(ValueError):
        identity.library_rows(identity.Identity("  "))


def test_follow_refills_an_untouched_table_and_renames_inside_an_edited_one():
    old, new = identity.Identity("小明"), identity.Identity("小红")
    rows, stale = identity.follow(identity.library_rows(old), old, new)
    assert rows == identity.library_rows(new) and not stale
    edited = identity.library_rows(old) + [{"question": "你喜欢什么？", "answer": "小明喜欢猫"}]
    rows, stale = identity.follow(edited, old, new)
    assert rows[-1]["answer"] == "小红喜欢猫" and not stale
    assert all("小明" not in r["answer"] for r in rows)
    # a one-character or newly added value cannot be renamed safely: flagged, not guessed
    rows, stale = identity.follow(edited, old, identity.Identity("小明", name="小智"))
    assert stale and rows == edited


def test_placeholders_are_filled_in_any_style():
    text = "I am {{name}}, made by {{author}}. 我是{{NAME}}，由{{ AUTHOR }}训练。"
    assert identity.fill_placeholders(text, "Sparky", "Alex") == "I am Sparky, made by Alex. 我是Sparky，由Alex训练。"
    bare = "我是NAME，由AUTHOR开发。NAMES stay."
    assert identity.fill_placeholders(bare, "小智", "小明", bare=True) == "我是小智，由小明开发。NAMES stay."
    assert identity.fill_placeholders(bare, "小智", "小明") == bare
    assert identity.placeholder_names("{{name}} only") == {"name"}


# ---------------------------------------------------------------- table rows


def test_check_rows_names_the_row_and_ignores_blank_rows():
    rows = [{"question": "a", "answer": "b"}, {"question": "", "answer": ""}, {"question": "q", "answer": " "},
            {"question": None, "answer": "x"}, {"question": float("nan"), "answer": float("nan")}]
    problems = dataset.check_rows(rows)
    assert [str(p) for p in problems] == ["row 3: answer is empty", "row 4: question is empty"]
    assert [(p.code, p.unit, p.index) for p in problems] == [("answer_empty", "row", 3), ("question_empty", "row", 4)]


def test_records_from_rows_repeats_each_valid_row():
    rows = [{"question": "q1", "answer": "a1"}, {"question": "q2", "answer": ""}, {"question": " q3 ", "answer": "a3"}]
    recs = dataset.records_from_rows(rows, repeat=3)
    assert len(recs) == 6
    assert recs[0] == recs[2] == {"conversation": [{"input": "q1", "output": "a1"}]}
    assert recs[3] == {"conversation": [{"input": "q3", "output": "a3"}]}
    with pytest.raises(ValueError):
        dataset.records_from_rows(rows, repeat=0)


def test_apply_edits_follows_the_data_editor_delta():
    rows = [{"question": f"q{i}", "answer": f"a{i}"} for i in range(4)]
    edits = {"edited_rows": {"1": {"answer": "new"}}, "deleted_rows": [0, 3],
             "added_rows": [{"question": "q9", "answer": "a9"}]}
    assert dataset.apply_edits(rows, edits) == [{"question": "q1", "answer": "new"}, {"question": "q2", "answer": "a2"},
                                                {"question": "q9", "answer": "a9"}]
    assert rows[1]["answer"] == "a1"  # the base rows are not changed


# ---------------------------------------------------------------- mixing


def _general(n: int) -> list[dict]:
    return [{"conversation": [{"input": f"general question {i}", "output": f"general answer {i}"}]} for i in range(n)]


def test_mix_reaches_the_requested_share():
    ident = dataset.records_from_rows([{"question": "你是谁", "answer": "我是小明的小助手"}], repeat=300)
    for share, want in ((0.5, 300), (0.25, 100), (0.75, 900), (0.0, 0)):
        mixed = dataset.mix(ident, _general(2000), share)
        assert mixed.general == want == dataset.general_needed(300, share)
        assert len(mixed.records) == 300 + want
        assert mixed.share == pytest.approx(share, abs=0.002)
        assert not mixed.short


def test_mix_uses_all_general_when_there_are_too_few_and_says_so():
    ident = dataset.records_from_rows([{"question": "q", "answer": "a"}], repeat=100)
    mixed = dataset.mix(ident, _general(30), 0.5)
    assert mixed.general == 30 and mixed.short and mixed.wanted_general() == 100
    assert mixed.records[100:] == _general(30)


def test_mix_is_deterministic_and_keeps_general_order():
    ident = dataset.records_from_rows([{"question": "q", "answer": "a"}], repeat=10)
    a, b = dataset.mix(ident, _general(1000), 0.5, seed=3), dataset.mix(ident, _general(1000), 0.5, seed=3)
    assert a.records == b.records
    picked = [int(r["conversation"][0]["input"].rsplit(" ", 1)[1]) for r in a.records[10:]]
    assert picked == sorted(picked) and len(set(picked)) == 10
    assert dataset.mix(ident, _general(1000), 0.5, seed=4).records != a.records


def test_mix_without_identity_is_all_general_and_share_is_bounded():
    mixed = dataset.mix([], _general(5), 0.5)
    assert mixed.records == _general(5) and mixed.identity == 0
    with pytest.raises(ValueError):
        dataset.general_needed(10, 0.99)
    with pytest.raises(ValueError):
        dataset.general_needed(10, -0.1)


# ---------------------------------------------------------------- stats and warnings


def test_tutorial_dataset_warns_about_duplicates_and_identity_only():
    recs = dataset.tutorial_records("小明", 8000)
    s = ds.stats(recs)
    assert (s.records, s.unique, s.identity) == (16002, 2, 16002)
    assert s.duplicate_ratio == pytest.approx(1 - 2 / 16002)
    assert ds.warnings(s) == ["duplicates", "identity_only"]


def test_a_mixed_dataset_has_no_warnings():
    rows = identity.library_rows(FORM)
    ident = dataset.records_from_rows(rows, repeat=5)
    mixed = dataset.mix(ident, _general(len(ident)), 0.5)
    matcher = ds.identity_matcher({r["question"] for r in rows}, ("小智", "小明"))
    s = ds.stats(mixed.records, matcher)
    assert s.identity == len(ident) and s.general == len(ident)
    assert s.unique == len(rows) + len(ident)
    assert s.duplicate_ratio == pytest.approx((len(ident) - len(rows)) / (2 * len(ident)))
    assert ds.warnings(s) == []


def test_general_only_dataset_warns_that_no_identity_is_taught():
    s = ds.stats(_general(50))
    assert s.identity == 0 and ds.warnings(s) == ["no_identity"]


def test_identity_is_recognised_by_question_or_by_the_names_in_the_answer():
    is_identity = ds.identity_matcher(set(), ("小智", "小明"))
    # a library question, punctuation aside
    assert is_identity({"conversation": [{"input": "你是谁?", "output": "x"}]})
    assert is_identity({"conversation": [{"input": "随便聊聊", "output": "我是小智呀"}]})
    assert not is_identity({"conversation": [{"input": "今天天气如何", "output": "晴天"}]})


def test_library_size_counts_the_rows_of_the_chosen_languages():
    for langs in ("zh", "en", "both"):
        assert identity.library_size(langs) == len(identity.library_rows(identity.Identity("小明", langs=langs)))


def _fake_run(ws, name: str, times: list[float], exit_code: int) -> None:
    run = ws.runs_dir / name
    (run / "work_dir" / "20250101_000000" / "vis_data").mkdir(parents=True)
    atomic_write_json(run / "job.json", {"kind": "train", "started": 1.0, "meta": {"max_length": 256, "batch_size": 1}})
    atomic_write_json(run / "exit.json", {"exit_code": exit_code, "finished": 2.0})
    lines = [json.dumps({"loss": 1.0, "time": x, "iter": i * 10}) for i, x in enumerate(times, 1)]
    (run / "work_dir" / "20250101_000000" / "vis_data" / "scalars.json").write_text("\n".join(lines) + "\n")


def test_measured_speed_is_the_median_of_the_newest_succeeded_run(ws):
    assert monitor.measured_speed(ws.run_dirs()) is None
    _fake_run(ws, "20250101-000000-train", [0.5, 0.7, 0.6], 0)
    _fake_run(ws, "20250102-000000-train", [9.0, 9.0], 1)  # newer, but failed
    speed = monitor.measured_speed(ws.run_dirs())
    assert speed.seconds_per_iter == pytest.approx(0.6) and speed.run == "20250101-000000-train"
    assert speed.max_length == 256


# ---------------------------------------------------------------- validate, save, versions, builder state


def test_validate_problems_carry_codes_and_places():
    recs = [{"conversation": [{"input": "q", "output": ""}]}, {"x": 1},
            {"conversation": [{"input": "q", "output": "a"}, {"input": 3, "output": "a"}]}]
    problems = dataset.validate(recs)
    assert [str(p) for p in problems] == ["record 1, turn 1: output is empty", 'record 2: has no "conversation" list',
                                          "record 3, turn 2: input is missing or not text"]
    assert [(p.code, p.index, p.turn) for p in problems] == [("output_empty", 1, 1), ("no_conversation", 2, 0),
                                                             ("missing_text", 3, 2)]
    assert dataset.without_problems(recs, problems) == []
    assert dataset.validate({}) and dataset.validate([])[0].code == "no_records"


def test_restore_makes_an_old_version_current_and_keeps_the_current_one(ws):
    first, second = dataset.tutorial_records("小明", 1), dataset.tutorial_records("小红", 1)
    dataset.save(ws.dataset_path, first)
    dataset.save(ws.dataset_path, second)
    [old] = dataset.versions(ws.dataset_path)
    assert dataset.load(old) == first
    dataset.restore(ws.dataset_path, old)
    assert dataset.load(ws.dataset_path) == first
    kept = [dataset.load(v) for v in dataset.versions(ws.dataset_path)]
    assert len(kept) == 2 and second in kept  # the file it replaced is a version too


def test_save_refuses_invalid_records_and_keeps_the_file(ws):
    good = dataset.tutorial_records("小明", 1)
    dataset.save(ws.dataset_path, good)
    with pytest.raises(ValueError, match="record 1, turn 1: output is empty"):
        dataset.save(ws.dataset_path, [{"conversation": [{"input": "q", "output": ""}]}])
    assert dataset.load(ws.dataset_path) == good


def test_builder_state_round_trips_and_ignores_a_broken_general_file(ws):
    state = {"dataset.owner": "小明", "rows": [{"question": "q", "answer": "a"}]}
    dataset.save_builder(ws.dataset_path, state, _general(3))
    assert dataset.load_builder(ws.dataset_path) == (state, _general(3))
    dataset.general_path(ws.dataset_path).write_text("[{\"broken\": 1}]")
    assert dataset.load_builder(ws.dataset_path) == (state, [])
    nul = {"conversation": [{"input": "saved before NUL was checked\u0000", "output": "a"}]}
    dataset.general_path(ws.dataset_path).write_text(json.dumps([*_general(2), nul]))
    assert dataset.load_builder(ws.dataset_path) == (state, _general(2))  # that record left out, not all of them
    dataset.save_builder(ws.dataset_path, state, [])
    assert not dataset.general_path(ws.dataset_path).exists()
