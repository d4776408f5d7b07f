"""dataset.check_file: the saved file's count and problems, as load + validate give them, read a record at a time."""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest

from core import dataset


def _expected(path):
    try:
        records = dataset.load(path)
    except dataset.LoadError as exc:
        return 0, [exc.problem]
    return (len(records) if isinstance(records, list) else 0), dataset.validate(records)


def _write(path, text: str | bytes):
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


CASES = {
    "good": dataset.dumps(dataset.tutorial_records("小明", 5)),
    "bom": "\ufeff" + dataset.dumps(dataset.tutorial_records("小明", 1)),
    "bad_records": json.dumps([{"conversation": [{"input": None, "output": "a"}]},
                               {"conversation": [{"input": "q", "output": ""}]},
                               {"conversation": [{"input": "q", "output": "a"}]}, 7]),
    "empty_list": "[ ]\n",
    "not_a_list": json.dumps({"conversation": [{"input": "q", "output": "a"}]}),
    "empty_file": "",
    "broken": '[\n  {"conversation": [\n    {"input": "q", "output": "a"}\n  ]\n  {"oops": 1}\n]\n',
    "cut_short": '[{"conversation": [{"input": "q", "output": "a"}]},\n{"conversation": [',
    "trailing_comma": '[{"conversation": [{"input": "q", "output": "a"}]},]',
    "extra_data": '[{"conversation": [{"input": "q", "output": "a"}]}] [1]',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_count_and_problems_as_load_and_validate(tmp_path, name):
    path = _write(tmp_path / f"{name}.json", CASES[name])
    count, problems = dataset.check_file(path)
    want_count, want = _expected(path)
    assert count == want_count
    assert [(p.unit, p.index, p.code) for p in problems] == [(p.unit, p.index, p.code) for p in want]
    if name == "good":
        assert (count, problems) == (len(dataset.tutorial_records("小明", 5)), [])
    if name == "broken":  # the same place and reason as json.loads gives
        assert dict(problems[0].values) == dict(want[0].values) == {"line": 5, "column": 3, "reason": "comma"}


NOT_UTF8 = {  # how the file was written -> the problem code both readers give, and its values
    "gbk": (lambda text: text.encode("gbk"), "not_utf8_gbk", {"line": 6}),
    "latin-1": (lambda text: text.replace("你好", "café").encode("latin-1"), "not_utf8", {"line": 6}),
    # German in Latin-1 also decodes as GBK without a bad byte ("ü" and the letter after it).
    "latin-1 german": (lambda text: text.replace("你好", "Grüße aus München, für dich").encode("latin-1"), "not_utf8",
                       {"line": 6}),
    "binary": (lambda text: bytes(range(128, 256)) * 64, "binary", {"kind": "binary"}),
    # Notepad's "Unicode": with a byte-order mark; and without one, either byte order.
    "utf-16": (lambda text: text.encode("utf-16"), "not_utf8_utf16", {}),
    "utf-16-le": (lambda text: text.encode("utf-16-le"), "not_utf8_utf16", {}),
    "utf-16-be": (lambda text: text.encode("utf-16-be"), "not_utf8_utf16", {}),
}


@pytest.mark.parametrize("how", NOT_UTF8)
def test_a_file_that_is_not_utf8_names_the_line_and_what_it_looks_like(tmp_path, how):
    """A saved dataset in GBK (a hand edit in another editor) is named as GBK, not 'not GBK either';
    the streamed check and load say the same."""
    records = [{"conversation": [{"input": "q", "output": "a"}]}] * 3
    text = dataset.dumps(records).replace('"a"', '"你好"', 2)
    encode, code, values = NOT_UTF8[how]
    path = _write(tmp_path / f"{how}.json", encode(text))
    (count, problems), (_, want) = dataset.check_file(path), _expected(path)
    assert count == 0 and problems[0].code == want[0].code == code
    assert dict(problems[0].values) == dict(want[0].values) == values


def test_missing_file(tmp_path):
    count, problems = dataset.check_file(tmp_path / "gone.json")
    assert count == 0 and problems[0].code == "unreadable"


def test_a_new_version_of_the_file_is_read_again(tmp_path):
    path = _write(tmp_path / "d.json", CASES["good"])
    assert dataset.check_file(path)[1] == []
    first = path.stat().st_mtime_ns
    _write(path, CASES["bad_records"])
    os.utime(path, ns=(first + 10**9, first + 10**9))
    assert [p.code for p in dataset.check_file(path)[1]]
    problems = dataset.check_file(path)[1]
    problems.clear()  # a caller's list is its own
    assert dataset.check_file(path)[1]


def _peak(path) -> tuple[tuple[int, list], int]:
    tracemalloc.start()
    try:
        result = dataset.check_file(path)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path):
    rec = {"conversation": [{"input": "问" * 200, "output": "答" * 400}]}
    small = _write(tmp_path / "small.json", dataset.dumps([rec] * 6000))  # ~11 MB
    big = tmp_path / "big.json"
    with open(big, "wb") as f:  # ~44 MB, written a record at a time
        for chunk in dataset.dump_chunks([rec] * 24000):
            f.write(chunk)
    (n_small, p_small), peak_small = _peak(small)
    (n_big, p_big), peak_big = _peak(big)
    assert (n_small, p_small, n_big, p_big) == (6000, [], 24000, [])
    size = big.stat().st_size
    assert peak_big < 1.3 * peak_small and peak_big < size / 2, (
        f"peak {peak_small / 2**20:.1f} MB for {small.stat().st_size / 2**20:.0f} MB, "
        f"{peak_big / 2**20:.1f} MB for {size / 2**20:.0f} MB")


def test_after_a_save_the_file_is_not_read_again(tmp_path, monkeypatch):
    path = tmp_path / "assistant.json"
    records = dataset.tutorial_records("小明", 3)
    dataset.save(path, records)

    def no_read(_path):
        raise AssertionError("check_file read the file it was told about")

    monkeypatch.setattr(dataset, "_check_file", no_read)
    assert dataset.check_file(path) == (len(records), [])
    _write(path, CASES["bad_records"])  # changed behind the app's back: read again
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    with pytest.raises(AssertionError, match="read the file"):
        dataset.check_file(path)
