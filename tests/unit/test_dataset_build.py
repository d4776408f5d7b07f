"""The dataset page's build (core.dataset_build): tutorial mode, the table mixed with general conversations,
records with problems left out and listed, statistics of what is kept."""

from __future__ import annotations

from core import dataset_build, identity

ME = identity.Identity("小明", "小智")
ROWS = [{"question": "你是谁", "answer": "我是小明的小助手小智"}, {"question": "Who made you?", "answer": "小明"}]
GENERAL = [{"conversation": [{"input": f"问题{i}", "output": f"回答{i}"}]} for i in range(10)]


def test_builder_mode_repeats_the_rows_and_mixes_general_conversations_at_the_share():
    built = dataset_build.build(("k",), "builder", ME, ROWS, tutorial_n=5, repeat=3, general=GENERAL, share=0.5)
    assert built.key == ("k",)
    assert (built.mix.identity, built.mix.general) == (6, 6)
    assert len(built.records) == 12 and built.problems == []
    assert built.stats.records == 12 and built.stats.identity_share == 0.5
    assert built.content == dataset_build.build(("other",), "builder", ME, ROWS, tutorial_n=5, repeat=3,
                                                general=GENERAL, share=0.5).content


def test_tutorial_mode_is_the_tutorials_pairs_unmixed():
    built = dataset_build.build(("k",), "tutorial", ME, ROWS, tutorial_n=4, repeat=3, general=GENERAL, share=0.5)
    assert len(built.records) == 2 + 2 * 4 and built.mix.general == 0
    assert all("小明" in r["conversation"][0]["output"] for r in built.records)
    assert built.stats.identity_share == 1.0


def test_records_with_problems_are_listed_and_left_out():
    bad = {"conversation": [{"input": "坏\x01记录", "output": "回答"}]}
    built = dataset_build.build(("k",), "builder", ME, ROWS, tutorial_n=1, repeat=1, general=[*GENERAL, bad],
                                share=0.9)
    assert len(built.problems) == 1 and built.problems[0].index >= 3
    assert bad not in built.records and len(built.records) == len(built.mix.records) - 1
