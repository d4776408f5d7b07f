"""A restored dataset version brings back the builder inputs that build exactly its records."""

from __future__ import annotations

import json

import pytest

from core import dataset, dataset_versions, general_library, identity
from core.workspace import Workspace

FORM = {"dataset.owner": "小明", "dataset.name": "小智", "dataset.desc_zh": "", "dataset.desc_en": "",
        "dataset.langs": "zh", "dataset.mode": "builder", "dataset.tutorial_n": 10, "dataset.repeat": 100,
        "dataset.share": 50}


def _rebuild(state: dict, general: list[dict]) -> list[dict]:
    """What the dataset page builds from a builder state (its section 4)."""
    if state["dataset.mode"] == "tutorial":
        return dataset.tutorial_records(state["dataset.owner"], int(state["dataset.tutorial_n"]))
    rows = dataset.records_from_rows(state["rows"], int(state["dataset.repeat"]))
    return dataset.mix(rows, general, state["dataset.share"] / 100).records


@pytest.mark.parametrize(("repeat", "share"), [(1, 0), (3, 0.5), (100, 0.05), (7, 0.95)])
def test_records_from_the_builder_come_back_as_the_same_inputs(repeat, share):
    rows = identity.library_rows(identity.Identity("小明", "小智"))
    general = general_library.general_records("both")
    records = dataset.mix(dataset.records_from_rows(rows, repeat), general, share).records
    state, back = dataset_versions.state_from_records(records, FORM)
    assert _rebuild(state, back) == records
    assert len(state["rows"]) == len(rows) and state["dataset.repeat"] == repeat
    assert state["rows_for"] == ["小明", "小智", "", "", "zh"]


def test_the_tutorial_file_comes_back_as_tutorial_mode():
    records = dataset.tutorial_records("小红", 300)
    state, general = dataset_versions.state_from_records(records, FORM)
    assert (state["dataset.mode"], state["dataset.owner"], state["dataset.tutorial_n"]) == ("tutorial", "小红", 300)
    assert general == [] and _rebuild(state, general) == records


def test_any_valid_file_builds_back_exactly():
    multi = {"conversation": [{"input": "a", "output": "b"}, {"input": "c", "output": "d"}]}
    system = {"conversation": [{"system": "s", "input": "q", "output": "r"}]}
    one = {"conversation": [{"input": "你好", "output": "你好！"}]}
    spaced = {"conversation": [{"input": " padded ", "output": "x"}]}
    for records in ([multi, one, one], [one, one, multi, one, one, one], [spaced, one], [one] * 3 + [multi] * 200,
                    [system], [one, one, one, {"conversation": [{"input": "x", "output": "y"}]}, one]):
        state, general = dataset_versions.state_from_records(records, FORM)
        assert _rebuild(state, general) == records, records


def test_a_saved_state_is_found_again_for_its_content_and_pruned_with_its_versions(tmp_path, monkeypatch):
    ws = Workspace.resolve(tmp_path / "ws")
    path = ws.dataset_path
    first = dataset.tutorial_records("小明", 1)
    dataset.save(path, first)
    state = {**FORM, "dataset.repeat": 42, "rows": [{"question": "你是谁", "answer": "我是小智"}]}
    dataset_versions.keep_snapshot(path, state, [{"conversation": [{"input": "g", "output": "h"}]}])
    dataset.save(path, dataset.tutorial_records("小红", 1))
    dataset_versions.keep_snapshot(path, {**FORM, "dataset.repeat": 1, "rows": []}, [])
    version = dataset.versions(path)[0]
    done = dataset_versions.restore(path, version, FORM)
    assert done.exact and done.state["dataset.repeat"] == 42 and len(done.general) == 1
    assert json.loads(path.read_text(encoding="utf-8")) == first
    assert dataset.load_builder(path)[0]["dataset.repeat"] == 42  # a reload shows the restored inputs too
    # only contents that are the file or a kept version keep their state
    monkeypatch.setattr("core.workspace.KEEP_VERSIONS", 1)
    for n in (2, 3):
        dataset.save(path, dataset.tutorial_records("小明", n))
        dataset_versions.keep_snapshot(path, {**FORM, "rows": []}, [])
    assert len(list((path.parent / ".versions" / "builder").glob("*.json"))) == 2


def test_a_version_without_a_kept_state_is_read_back_from_its_records(tmp_path):
    ws = Workspace.resolve(tmp_path / "ws")
    rows = [{"question": "你是谁", "answer": "我是小智"}, {"question": "你叫什么", "answer": "小智"}]
    records = dataset.records_from_rows(rows, 5)
    dataset.save(ws.dataset_path, records)
    dataset.save(ws.dataset_path, dataset.tutorial_records("小红", 1))
    done = dataset_versions.restore(ws.dataset_path, dataset.versions(ws.dataset_path)[0], FORM)
    assert not done.exact and done.state["rows"] == rows and done.state["dataset.repeat"] == 5
    assert _rebuild(done.state, done.general) == records
