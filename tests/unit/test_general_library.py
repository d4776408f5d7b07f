"""core.general_library: the built-in general conversations mixed into identity data."""

from __future__ import annotations

import re
import unicodedata

import pytest

from core import dataset, general_library
from core.general_library import PAIRS, general_records

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

IDENTITY_WORDS = [
    "小助手", "助手", "助理", "assistant", "ChatGPT", "OpenAI", "InternLM", "书生", "浦语", "AI model",
    "language model", "人工智能模型", "大模型", "语言模型", "我是", "as an ai", "作为一个ai", "作为ai",
]


def questions(lang: str) -> list[str]:
    return [q for language, q, _ in PAIRS if language == lang]


def normalized(text: str) -> str:
    """Letters, digits and CJK only, lower-cased: what two questions must not share."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower()
                   if not unicodedata.category(c).startswith(("P", "Z", "S", "C")))


def test_pairs_are_language_question_answer_triples():
    assert PAIRS
    for item in PAIRS:
        assert isinstance(item, tuple) and len(item) == 3
        lang, q, a = item
        assert lang in ("zh", "en")
        assert isinstance(q, str) and q.strip() == q and q
        assert isinstance(a, str) and a.strip() == a and a


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_least_sixty_pairs_per_language(lang):
    assert len(questions(lang)) >= 60


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_records_for_one_language(lang):
    records = general_records(lang)
    expected = [(q, a) for language, q, a in PAIRS if language == lang]
    assert len(records) == len(expected)
    assert [(r["conversation"][0]["input"], r["conversation"][0]["output"]) for r in records] == expected


def test_records_for_both_languages_are_all_pairs_in_order():
    records = general_records("both")
    assert len(records) == len(PAIRS) == len(general_records("zh")) + len(general_records("en"))
    assert [(r["conversation"][0]["input"], r["conversation"][0]["output"]) for r in records] == \
        [(q, a) for _, q, a in PAIRS]
    assert general_records() == records


@pytest.mark.parametrize("languages", ["zh", "en", "both"])
def test_records_have_exactly_xtuners_shape(languages):
    for rec in general_records(languages):
        assert list(rec) == ["conversation"]
        assert len(rec["conversation"]) == 1
        assert set(rec["conversation"][0]) == {"input", "output"}  # no "system": identity is added separately


@pytest.mark.parametrize("languages", ["zh", "en", "both"])
def test_records_pass_the_projects_validator(languages):
    assert dataset.validate(general_records(languages)) == []


def test_records_are_fresh_copies():
    first = general_records("en")
    first[0]["conversation"][0]["output"] = "changed"
    assert general_records("en")[0]["conversation"][0]["output"] != "changed"


def test_records_mix_with_identity_records():
    identity = dataset.tutorial_records("小明", 10)
    result = dataset.mix(identity, general_records(), 0.2, seed=1)
    assert result.general == dataset.general_needed(len(identity), 0.2)
    assert dataset.validate(result.records) == []


@pytest.mark.parametrize("languages", ["", "ZH", "zh-CN", "all", "chinese", None])
def test_unknown_languages_value_raises(languages):
    with pytest.raises(ValueError):
        general_records(languages)


def test_no_duplicate_questions():
    seen: dict[str, str] = {}
    for _, q, _ in PAIRS:
        key = normalized(q)
        assert key, q
        assert key not in seen, f"{q!r} repeats {seen[key]!r}"
        seen[key] = q


def test_no_duplicate_answers():
    answers = [normalized(a) for _, _, a in PAIRS]
    assert len(set(answers)) == len(answers)


@pytest.mark.parametrize("word", IDENTITY_WORDS)
def test_no_identity_words(word):
    for lang, q, a in PAIRS:
        assert word.lower() not in q.lower(), (lang, q)
        assert word.lower() not in a.lower(), (lang, q)


def test_zh_questions_contain_chinese():
    for q in questions("zh"):
        assert CJK.search(q), q


def test_en_questions_contain_no_chinese():
    for q in questions("en"):
        assert not CJK.search(q), q


def test_zh_answers_contain_chinese_and_en_answers_are_mainly_english():
    for lang, q, a in PAIRS:
        cjk = len(CJK.findall(a))
        if lang == "zh":
            assert cjk, q
        else:
            assert cjk <= 12, q  # only the Chinese words an English translation answer quotes


def test_zh_text_is_simplified_chinese():
    traditional = "們這個來說時會為問題應該與國學實體發過當點長見請讓還對關錢頭學習語變麼樣電腦"
    for lang, q, a in PAIRS:
        if lang == "zh":
            found = [c for c in q + a if c in traditional]
            assert not found, (q, found)


def test_answers_are_concise():
    for _, q, a in PAIRS:
        assert 2 <= len(a) <= 600, q


def test_module_is_plain_python():
    source = open(general_library.__file__, encoding="utf-8").read()
    assert "import streamlit" not in source and "import torch" not in source
    assert general_library.__doc__ and "download" in general_library.__doc__
