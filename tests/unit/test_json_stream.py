"""The streaming JSON reader gives what json.loads gives, whatever the chunk size, and places errors as it does."""

from __future__ import annotations

import io
import json
import random

import pytest

from core import dataset_io
from core.json_stream import Reader, SyntaxProblem


def _reader(text: str, chunk: int) -> Reader:
    return Reader(io.StringIO(text).read, chunk=chunk)


def _doc(rng: random.Random) -> list:
    def value(depth: int):
        kind = rng.choice(["s", "n", "f", "b", "z", "l", "d"] if depth < 3 else ["s", "n"])
        return {"s": lambda: "".join(rng.choice('ab 你"\\\n\t\u2028{}[],:') for _ in range(rng.randint(0, 12))),
                "n": lambda: rng.randint(-10**12, 10**12), "f": lambda: rng.random() * 1e5,
                "b": lambda: rng.random() < .5,
                "z": lambda: None, "l": lambda: [value(depth + 1) for _ in range(rng.randint(0, 4))],
                "d": lambda: {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 4))}}[kind]()
    return [value(0) for _ in range(rng.randint(0, 30))]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_elements_equal_json_loads_at_any_chunk_size(chunk):
    rng = random.Random(chunk)
    for _ in range(40):
        doc = _doc(rng)
        text = json.dumps(doc, ensure_ascii=rng.random() < .5, indent=rng.choice([None, 1, 4]))
        reader = _reader("\n " + text + " \n", chunk)
        assert reader.first_char() == "["
        assert list(reader.elements()) == doc


@pytest.mark.parametrize("chunk", [1, 5, 1 << 20])
@pytest.mark.parametrize("text", [
    '[{"a": 1},\n {"b": 2}\n {"c": 3}]', '[{"a": "x}]', '[{"a": 1}, {"b": tru}]', '[1, 2,\n\n  {"a" 1}]',
    '[{"a": 1} junk', '[{"a": 1}]  x', '[{"a": "\\q"}]', '[{"a": 1},\n {bad: 2}]'])
def test_a_syntax_error_is_placed_where_json_places_it(text, chunk):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    reader = _reader(text, chunk)
    reader.first_char()
    with pytest.raises(SyntaxProblem) as got:
        list(reader.elements())
    assert (got.value.line, got.value.column) == (expected.value.lineno, expected.value.colno)


@pytest.mark.parametrize("text, reason", [
    ('[{"a": 1},]', "trailing_comma"), ('[{"a": 1}', "truncated"), ('[{"a": 1}, {"b": [1, 2', "truncated"),
    ('[{"a": "b}]', "unterminated_string")])
def test_reasons(text, reason):
    reader = _reader(text, 3)
    reader.first_char()
    with pytest.raises(SyntaxProblem) as got:
        list(reader.elements())
    assert got.value.reason == reason


@pytest.mark.parametrize("chunk", [1, 4, 1 << 20])
def test_lines_and_values(chunk):
    text = '{"a": 1}\n\n  \r\n{"b": "x\\ny"}\r\n{"c": [\n1]}'
    assert list(_reader(text, chunk).lines()) == [(1, '{"a": 1}'), (4, '{"b": "x\\ny"}\r'), (5, '{"c": ['), (6, "1]}")]
    assert list(_reader(text, chunk).values()) == [{"a": 1}, {"b": "x\ny"}, {"c": [1]}]


def test_a_scan_keeps_a_preview_and_counts_the_rest():
    rows = [{"instruction": f"q{i}", "output": f"a{i}" if i % 10 else ""} for i in range(3000)]
    data = json.dumps(rows).encode()
    seen: list[float] = []
    res = dataset_io.parse_bytes(data, "big.json", keep=False, progress=seen.append)
    assert (res.total, res.usable, res.bad_rows) == (3000, 2700, 300)
    assert len(res.records) == dataset_io.PREVIEW and res.records[0]["conversation"][0]["input"] == "q1"
    assert seen and seen == sorted(seen) and seen[-1] == 1.0
    full = dataset_io.parse_bytes(data, "big.json")
    assert len(full.records) == 2700 and full.problems[0].index == 1


def test_a_json_file_holding_jsonl_one_object_or_several(tmp_path):
    jsonl = '{"instruction": "q1", "output": "a1"}\n{"instruction": "q2", "output": ""}\n'
    res = dataset_io.parse_bytes(jsonl.encode(), "lines.json")
    assert res.fmt == "alpaca_jsonl" and len(res.records) == 1 and res.problems[0].unit == "line"
    one = json.dumps({"instruction": "q", "output": "a"}, indent=2)
    res = dataset_io.parse_bytes(one.encode(), "one.json")
    assert res.fmt == "alpaca" and len(res.records) == 1 and res.fatal is None
    res = dataset_io.parse_bytes((one + "\n" + one).encode(), "two.json")
    assert len(res.records) == 2
    res = dataset_io.parse_bytes((one + "\n}").encode(), "bad.json")
    assert dict(res.fatal.values) == {"line": 5, "column": 1, "reason": "value"}
    assert dataset_io.parse_bytes(b'"just text"', "s.json").fatal.code == "not_list"
