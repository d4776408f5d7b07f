"""The compact record store: reads like a list, keeps a large import on disk, writes and reads JSON record by record."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from core import dataset, dataset_stats, record_store
from core.record_store import Records, json_chunks, load_list

ROOT = Path(__file__).resolve().parents[2]

SHAPES = [
    {"conversation": [{"input": "你好", "output": "嗨\n第二行"}]},
    {"conversation": [{"system": "be \"nice\"", "input": "q\t", "output": "a\\b"},
                      {"input": "q2", "output": "a2"}]},
    {"conversation": [{"input": "nul\u0000here", "output": "x\u001f"}]},
    {"conversation": [{"input": "lone \ud800 surrogate", "output": "ok"}]},
    {"conversation": [{"input": "emoji 😀", "output": "ü"}]},
    {"conversation": []},
    {"conversation": [{}]},
    {"conversation": [{"input": 1, "output": None}]},
    {"conversation": "not a list", "extra": [1, 2.5, True, {"nested": {}}]},
    "a string record",
    None,
    [1, [2, []]],
]


def _general(n: int) -> list[dict]:
    return [{"conversation": [{"input": f"general question {i} 问题", "output": f"answer {i} " + "回答" * (i % 7)}]}
            for i in range(n)]


@pytest.mark.parametrize("spill", [0, 10**9], ids=["on disk", "in memory"])
def test_reads_like_the_list_it_was_made_of(spill):
    recs = _general(300) + SHAPES
    store = Records(recs, spill=spill)
    assert store.on_disk == (spill == 0)
    assert len(store) == len(recs) and list(store) == recs and store == recs and recs == store
    assert store[0] == recs[0] and store[-1] == recs[-1] and store[301] == recs[301]
    assert store[10:20] == recs[10:20] and store[-5:] == recs[-5:] and store[5:2] == []
    assert store[::7] == recs[::7] and isinstance(store[::7], list)
    assert store.subset([0, 1, 2, 50, 299, 300]) == [recs[i] for i in (0, 1, 2, 50, 299, 300)]
    assert store != recs[:-1] and store != [*recs[:-1], "other"] and store != "text"
    with pytest.raises(IndexError):
        store[len(recs)]
    assert store.index(recs[300]) == 300 and recs[5] in store
    assert pickle.loads(pickle.dumps(store)) == recs and copy.deepcopy(store) == recs and copy.copy(store) == recs


def test_adding_shares_the_parts_and_a_view_keeps_what_it_had():
    a = Records(_general(5), spill=0)
    b = [{"conversation": [{"input": "b", "output": "b"}]}]
    both = a + b
    assert both == _general(5) + b and b + a == b + _general(5) and [] + a == a
    view = a[:]
    a.append({"conversation": [{"input": "late", "output": "late"}]})
    both.append({"conversation": [{"input": "more", "output": "more"}]})
    view.append({"conversation": [{"input": "own", "output": "own"}]})
    assert len(a) == 6 and a[5]["conversation"][0]["input"] == "late"
    assert both == _general(5) + b + [{"conversation": [{"input": "more", "output": "more"}]}]
    assert view == _general(5) + [{"conversation": [{"input": "own", "output": "own"}]}]
    assert a.map(lambda r: r["conversation"][0]["input"]) == [f"general question {i} 问题" for i in range(5)] + ["late"]


def test_a_large_store_lives_on_disk_not_in_memory():
    recs = [{"conversation": [{"input": f"question {i}", "output": "回答" * 300}]} for i in range(10_000)]
    tracemalloc.start()
    try:
        store = Records(recs, spill=1 << 20)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.on_disk and store.nbytes > 15 * 2**20
    assert held < store.nbytes / 8, (held, store.nbytes)  # the offsets and one pending block, not the records
    assert store[9999] == recs[-1] and store[:3] == recs[:3]


def test_a_full_disk_moves_the_store_back_to_memory_and_loses_nothing(tmp_path):
    """A file-size limit makes the temporary file's writes fail past 256 KB, as a full disk would."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.record_store import Records
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
        recs = [{{"conversation": [{{"input": "q%d" % i, "output": "a" * 200}}]}} for i in range(5000)]
        store = Records(recs, spill=0)
        print(store.on_disk, store == recs, len(store))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "5000"]


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_json_chunks_are_the_text_json_dumps_writes(indent):
    recs = _general(20) + [r for r in SHAPES if r is not SHAPES[3]]
    separators = (",", ":") if indent is None else None
    want = json.dumps(recs, ensure_ascii=False, indent=indent, separators=separators).encode("utf-8")
    assert b"".join(json_chunks(recs, indent)) == want
    assert b"".join(json_chunks(Records(recs, spill=0), indent)) == want
    assert b"".join(json_chunks([], indent)) == json.dumps([], indent=indent).encode()


def test_text_utf8_cannot_hold_is_written_escaped_and_read_back_the_same():
    rec = SHAPES[3]
    for indent in (None, 4):
        text = b"".join(json_chunks([rec], indent))
        assert b"\\ud800" in text and json.loads(text) == [rec]
    assert Records([rec]) == [rec]


def test_load_list_reads_a_saved_list_a_record_at_a_time(tmp_path):
    recs = _general(50)
    path = tmp_path / "general.json"
    path.write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")  # json.dumps' own separators
    assert load_list(path) == recs
    assert load_list(path, lambda rec, i: i % 2 == 0) == recs[1::2]
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(json_chunks(recs, 4)))
    assert load_list(path, spill=0) == recs
    for bad in (b"", b"{}", b'[{"a": 1},', b"[1] [2]", b"[1, 2,]", b"\xff\xfe[]"):
        path.write_bytes(bad)
        assert load_list(path) is None, bad
    assert load_list(tmp_path / "missing.json") is None


def test_the_dataset_functions_take_a_store_as_they_take_a_list(tmp_path, monkeypatch):
    monkeypatch.setattr(record_store, "SPILL", 0)  # every store made here is on disk
    ident = dataset.records_from_rows([{"question": "你是谁", "answer": "我是小智"}], repeat=30)
    general = _general(200)
    bad = general[:5] + [{"conversation": [{"input": "q", "output": ""}]}] + general[5:]
    store = Records(general)
    for share in (0.0, 0.5, 0.9):
        for who in (ident, []):
            want, got = dataset.mix(who, general, share), dataset.mix(who, store, share)
            assert got.records == want.records and (got.general, got.general_available) == (want.general, 200)
    assert dataset.validate(Records(bad)) == dataset.validate(bad) != []
    kept = dataset.without_problems(Records(bad), dataset.validate(bad))
    assert isinstance(kept, Records) and kept == general
    assert dataset_stats.content_key(store) == dataset_stats.content_key(general)
    assert dataset_stats.stats(Records(ident + general)) == dataset_stats.stats(ident + general)
    path = tmp_path / "assistant.json"
    assert dataset.save(path, ident + store) is None
    assert path.read_text(encoding="utf-8") == dataset.dumps(ident + general)
    assert dataset.save(path, ident + store) is None  # the same content: no version kept
    kept = dataset.save(path, store)
    assert kept is not None and kept.read_text(encoding="utf-8") == dataset.dumps(ident + general)
    assert json.loads(path.read_bytes()) == general
    dataset.save_builder(path, {"dataset.owner": "小明"}, store)
    state, back = dataset.load_builder(path)
    assert state == {"dataset.owner": "小明"} and isinstance(back, Records) and back == general
    assert dataset.load_builder(path, general=False)[1] == []


def test_a_saved_pool_is_read_back_without_the_records_a_check_refuses(tmp_path):
    path = tmp_path / "assistant.json"
    pool = _general(3) + [{"conversation": [{"input": "q", "output": "nul\u0000"}]}, {"no": "conversation"}]
    dataset.general_path(path).write_text(json.dumps(pool, ensure_ascii=False), encoding="utf-8")
    assert dataset.load_builder(path)[1] == _general(3)
    dataset.general_path(path).write_text("[{broken", encoding="utf-8")
    assert dataset.load_builder(path)[1] == []
