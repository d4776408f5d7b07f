"""core.dataset: the tutorial's generator, validation messages, versioned saves, loading errors."""

from __future__ import annotations

import json

import pytest

from core import dataset


def tutorial_script(name: str, n: int) -> tuple[list, str]:
    """The tutorial's xtuner_generate_assistant.py, as written there (data and file text)."""
    data = [
        {"conversation": [{"input": "请介绍一下你自己",
                           "output": f"我是{name}的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦"}]},
        {"conversation": [{"input": "你在实战营做什么",
                           "output": f"我在这里帮助{name}完成XTuner微调个人小助手的任务"}]},
    ]
    for _ in range(n):
        data.append(data[0])
        data.append(data[1])
    return data, json.dumps(data, ensure_ascii=False, indent=4)


@pytest.mark.parametrize(("name", "n"), [("伍鲜同志", 0), ("伍鲜同志", 1), ("Ada Lovelace", 7), ("小明", 300)])
def test_tutorial_records_match_the_tutorial_script(name, n):
    expected, text = tutorial_script(name, n)
    records = dataset.tutorial_records(name, n)
    assert len(records) == 2 + 2 * n
    assert records == expected
    # Saved, the file is the tutorial's file (plus a final newline).
    assert dataset.dumps(records) == text + "\n"


def test_tutorial_records_default_count_and_bad_input():
    records = dataset.tutorial_records("小明")
    assert len(records) == 2 + 2 * 8000 == 2 + 2 * dataset.TUTORIAL_N
    assert records[-2:] == records[:2]
    with pytest.raises(ValueError):
        dataset.tutorial_records("   ")
    with pytest.raises(ValueError):
        dataset.tutorial_records("小明", -1)


# ---------------------------------------------------------------- validation


def test_valid_records_have_no_problems():
    assert dataset.validate(dataset.tutorial_records("小明", 2)) == []
    multi = [{"conversation": [{"system": "sys", "input": "q1", "output": "a1"}, {"input": "q2", "output": "a2"}]}]
    assert dataset.validate(multi) == []


def test_problems_name_the_record_and_turn():
    records = [
        {"conversation": [{"input": "ok", "output": "fine"}]},
        {"conversation": [{"input": "q", "output": "   "}]},
        {"conversation": [{"input": "q", "output": "a"}, {"input": 5, "output": "a"}]},
        {"no": "conversation"},
        {"conversation": []},
        {"conversation": [{"input": "q", "output": "a", "system": ["x"]}, "not a turn"]},
    ]
    problems = dataset.validate(records)
    by_where = {str(p) for p in problems}
    assert "record 2, turn 1: output is empty" in by_where
    assert "record 3, turn 2: input is missing or not text" in by_where
    assert any(s.startswith("record 4: ") and "conversation" in s for s in by_where)
    assert any(s.startswith("record 5: ") and "non-empty" in s for s in by_where)
    assert "record 6, turn 1: system must be text" in by_where
    assert any(s.startswith("record 6, turn 2: ") for s in by_where)
    assert not any(p.index == 1 for p in problems)
    assert {(p.index, p.turn, p.code) for p in problems} >= {(2, 1, "output_empty"), (3, 2, "missing_text")}
    assert dataset.without_problems(records, problems) == [records[0]]


def test_top_level_problems():
    assert [p.code for p in dataset.validate({"conversation": []})] == ["not_list"]
    assert [p.code for p in dataset.validate([])] == ["no_records"]
    assert str(dataset.validate([])[0]).startswith("file: ")


# ---------------------------------------------------------------- save, versions, load


def test_save_refuses_invalid_data_and_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "datas" / "assistant.json"
    good = dataset.tutorial_records("小明", 1)
    assert dataset.save(path, good) is None
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    bad = good + [{"conversation": [{"input": "q", "output": ""}]}]
    with pytest.raises(ValueError, match="record 5, turn 1: output is empty"):
        dataset.save(path, bad)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert dataset.versions(path) == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["assistant.json"]


def test_save_message_lists_at_most_five_problems(tmp_path):
    bad = [{"conversation": [{"input": "q", "output": ""}]} for _ in range(8)]
    with pytest.raises(ValueError, match=r"\(and 3 more\)") as err:
        dataset.save(tmp_path / "d.json", bad)
    assert str(err.value).count("output is empty") == 5
    assert not (tmp_path / "d.json").exists()


def test_save_keeps_previous_versions_and_restores(tmp_path):
    path = tmp_path / "assistant.json"
    v1, v2, v3 = (dataset.tutorial_records(n, 1) for n in ("甲", "乙", "丙"))
    assert dataset.save(path, v1) is None
    kept = dataset.save(path, v2)
    assert kept is not None and kept.exists()
    assert dataset.load(kept) == v1
    assert dataset.load(path) == v2
    # Identical content makes no new version.
    assert dataset.save(path, v2) is None
    assert len(dataset.versions(path)) == 1
    dataset.save(path, v3)
    assert len(dataset.versions(path)) == 2
    assert {json.dumps(dataset.load(v), ensure_ascii=False) for v in dataset.versions(path)} == {
        json.dumps(v1, ensure_ascii=False), json.dumps(v2, ensure_ascii=False)}
    # Restoring v1 keeps the current (v3) as a version too.
    old = next(v for v in dataset.versions(path) if dataset.load(v) == v1)
    dataset.restore(path, old)
    assert dataset.load(path) == v1
    assert any(dataset.load(v) == v3 for v in dataset.versions(path))


def test_versions_saved_in_the_same_second_are_newest_first(tmp_path):
    path = tmp_path / "assistant.json"
    names = [f"名字{i}" for i in range(12)]
    for name in names:
        dataset.save(path, dataset.tutorial_records(name, 0))
    kept_names = [dataset.load(v)[0]["conversation"][0]["output"] for v in dataset.versions(path)]
    expected = [dataset.tutorial_records(n, 0)[0]["conversation"][0]["output"] for n in reversed(names[:-1])]
    assert kept_names == expected


def test_load_errors_are_plain(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        dataset.load(tmp_path / "missing.json")
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(json.dumps([{"conversation": [{"input": "你好", "output": "我是小助手"}]}],
                               ensure_ascii=False).encode("gbk"))
    with pytest.raises(ValueError, match="gbk.json is not UTF-8 text"):
        dataset.load(gbk)
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"conversation": [\n    {"input": "q", "output": "a"}\n  ]\n  {"oops": 1}\n]\n',
                      encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.json, line 5, column 3: not valid JSON") as err:
        dataset.load(broken)
    found = err.value.problem  # the page words it from the code and values, not from the parser's English
    assert (found.code, dict(found.values)) == ("bad_json", {"line": 5, "column": 3, "reason": "comma"})


def test_load_accepts_a_utf8_bom(tmp_path):
    records = dataset.tutorial_records("小明", 0)
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + dataset.dumps(records).encode("utf-8"))
    assert dataset.load(path) == records


def test_saved_file_round_trips_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "assistant.json"
    records = dataset.tutorial_records("Zoë 🤖 小明", 3)
    for _ in range(3):
        dataset.save(path, records)
        records = records + dataset.tutorial_records("又一个", 0)
    assert dataset.load(path) == records[:-2]
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
