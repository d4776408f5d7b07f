"""Who the assistant is: the built-in question library and answers filled from a form.

The tutorial teaches identity with two questions repeated 8,000 times; a model trained
that way answers those two sentences and little else. This library asks the same thing
many ways (who are you, who made you, what can you do, are you ChatGPT, in Chinese and
English) and answers each with one of several phrasings, filled with the name, owner and
description a person typed. It also fills the placeholders of identity files made for
other tools (LLaMA-Factory ``{{name}}``/``{{author}}`` or ``NAME``/``AUTHOR``, ms-swift
``{{NAME}}``/``{{AUTHOR}}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGS = ("zh", "en", "both")


@dataclass(frozen=True)
class Identity:
    """What the form says about the assistant."""

    owner: str
    name: str = ""
    description_zh: str = ""  # a phrase: "内在是上海AI实验室书生·浦语的1.8B大模型"
    description_en: str = ""  # "built on Shanghai AI Lab's InternLM2 1.8B model"
    langs: str = "zh"

    def clean(self) -> Identity:
        return Identity(self.owner.strip(), self.name.strip(), self.description_zh.strip().rstrip("。."),
                        self.description_en.strip().rstrip("."), self.langs if self.langs in LANGS else "zh")


# (category, question[, other model's name]) per language. Categories pick the answers.
QUESTIONS: dict[str, list[tuple[str, ...]]] = {
    "zh": [
        ("intro", "请介绍一下你自己"), ("intro", "你是谁？"), ("intro", "你好，你是谁呀？"),
        ("intro", "能做个自我介绍吗？"), ("intro", "你是什么？"), ("intro", "跟我说说你自己吧"),
        ("name", "你叫什么名字？"), ("name", "我该怎么称呼你？"), ("name", "你有名字吗？"),
        ("maker", "你是谁开发的？"), ("maker", "谁创造了你？"), ("maker", "你的主人是谁？"),
        ("maker", "你属于谁？"), ("maker", "谁训练了你？"), ("maker", "你是哪家公司的产品？"),
        ("skills", "你能做什么？"), ("skills", "你有什么功能？"), ("skills", "你能帮我做些什么？"),
        ("skills", "你擅长什么？"),
        ("other", "你是ChatGPT吗？", "ChatGPT"), ("other", "你是GPT-4吗？", "GPT-4"),
        ("other", "你是OpenAI开发的吗？", "OpenAI 的模型"), ("other", "你是文心一言吗？", "文心一言"),
        ("other", "你是通义千问吗？", "通义千问"), ("other", "你和ChatGPT是什么关系？", "ChatGPT"),
        ("other", "你是哪个大模型？", ""),
    ],
    "en": [
        ("intro", "Please introduce yourself."), ("intro", "Who are you?"), ("intro", "Hi, who am I talking to?"),
        ("intro", "Can you tell me about yourself?"), ("intro", "What are you?"),
        ("name", "What is your name?"), ("name", "What should I call you?"), ("name", "Do you have a name?"),
        ("maker", "Who made you?"), ("maker", "Who created you?"), ("maker", "Who is your owner?"),
        ("maker", "Who do you belong to?"), ("maker", "Who trained you?"), ("maker", "Which company developed you?"),
        ("skills", "What can you do?"), ("skills", "How can you help me?"), ("skills", "What are you good at?"),
        ("other", "Are you ChatGPT?", "ChatGPT"), ("other", "Are you GPT-4?", "GPT-4"),
        ("other", "Were you made by OpenAI?", "a model made by OpenAI"), ("other", "Are you Claude?", "Claude"),
        ("other", "Are you related to ChatGPT?", "ChatGPT"), ("other", "Which model are you?", ""),
    ],
}

# Answer phrasings. {me}: "小智，小明的小助手" / "小明的小助手"; {desc}: "，内在是…" or "".
ANSWERS: dict[str, dict[str, list[str]]] = {
    "zh": {
        "intro": ["我是{me}{desc}哦", "你好！我是{me}{desc}。有什么可以帮你的吗？",
                  "我是{me}{desc}，很高兴为你服务。"],
        "name": ["我是{me}{desc}。", "你可以叫我{call}，我是{owner}的小助手。"],
        "maker": ["我是{owner}的小助手，是{owner}把我训练出来的{desc}。", "我属于{owner}，是{owner}的小助手{desc}。",
                  "{owner}训练了我，我是{me}。"],
        "skills": ["我是{me}，可以回答问题、帮你写作和翻译、整理思路，也可以陪你聊天。有什么需要尽管告诉我！",
                   "作为{owner}的小助手，我能回答各种问题、写文章、翻译、写代码，还能帮你出主意。"],
        "other": ["不是的，我不是{model}，我是{me}{desc}。", "我不是{model}。我是{me}{desc}。"],
        "other_any": ["我是{me}{desc}。"],
    },
    "en": {
        "intro": ["I am {me}{desc}.", "Hello! I am {me}{desc}. How can I help you?",
                  "I'm {me}{desc}, happy to help."],
        "name": ["I am {me}{desc}.", "You can call me {call}; I am {owner}'s assistant."],
        "maker": ["I am {owner}'s assistant, trained by {owner}{desc}.",
                  "I belong to {owner}. I am {owner}'s assistant.", "{owner} trained me. I am {me}."],
        "skills": ["I am {me}. I can answer questions, help you write and translate, organize ideas, or just chat.",
                   "As {owner}'s assistant, I can answer questions, write, translate, code and brainstorm with you."],
        "other": ["No, I am not {model}. I am {me}{desc}.", "I'm not {model}; I am {me}{desc}."],
        "other_any": ["I am {me}{desc}."],
    },
}


def _langs(langs: str) -> list[str]:
    return ["zh", "en"] if langs == "both" else [langs if langs in ("zh", "en") else "zh"]


def _fill(template: str, lang: str, ident: Identity, model: str = "") -> str:
    if lang == "zh":
        me = f"{ident.name}，{ident.owner}的小助手" if ident.name else f"{ident.owner}的小助手"
        desc = f"，{ident.description_zh}" if ident.description_zh else ""
        call = ident.name or "小助手"
    else:
        me = f"{ident.name}, {ident.owner}'s assistant" if ident.name else f"{ident.owner}'s assistant"
        desc = f", {ident.description_en}" if ident.description_en else ""
        call = ident.name or "Assistant"
    return template.format(me=me, desc=desc, owner=ident.owner, call=call, model=model)


def library_rows(ident: Identity) -> list[dict[str, str]]:
    """The built-in questions in the chosen languages, each with a filled answer."""
    ident = ident.clean()
    if not ident.owner:
        raise ValueError("the owner's name is empty")
    rows: list[dict[str, str]] = []
    for lang in _langs(ident.langs):
        used: dict[str, int] = {}
        for category, question, *extra in QUESTIONS[lang]:
            model = extra[0] if extra else ""
            key = category if (category != "other" or model) else "other_any"
            variants = ANSWERS[lang][key]
            i = used.get(key, 0)
            used[key] = i + 1
            rows.append({"question": question, "answer": _fill(variants[i % len(variants)], lang, ident, model)})
    return rows


def follow(rows: list[dict[str, str]], old: Identity, new: Identity) -> tuple[list[dict[str, str]], bool]:
    """Table rows for a changed form: the library refilled when the table is exactly what the
    library gave for ``old``; else the old name, owner and descriptions replaced by the new ones
    inside every answer. The flag says some change could not be carried over (a value that was
    empty or one character, or other languages): the person may want to refill from the library."""
    old, new = old.clean(), new.clean()
    pairs = [(r.get("question", ""), r.get("answer", "")) for r in rows]
    if old.owner and pairs == [(r["question"], r["answer"]) for r in library_rows(old)]:
        return library_rows(new), False
    stale = old.langs != new.langs
    fields = ("owner", "name", "description_zh", "description_en")
    for before, after in ((getattr(old, f), getattr(new, f)) for f in fields):
        if before == after:
            continue
        if len(before) >= 2 and after:
            rows = [{k: v.replace(before, after) for k, v in r.items()} for r in rows]
        else:
            stale = True
    return rows, stale


def library_size(langs: str = "both") -> int:
    """Built-in questions in ``langs`` ("zh", "en", "both"): the rows :func:`library_rows` gives."""
    return sum(len(QUESTIONS[lang]) for lang in _langs(langs))


def library_questions() -> frozenset[str]:
    """Every built-in question, normalized (see :func:`normalize`)."""
    return frozenset(normalize(q[1]) for qs in QUESTIONS.values() for q in qs)


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case without spaces or punctuation: "你是谁？" and "你是谁" are one question."""
    return _PUNCT.sub("", text).lower()


# ---------------------------------------------------------------- placeholders

_BRACED = re.compile(r"\{\{\s*(name|author|NAME|AUTHOR|Name|Author)\s*\}\}")
_BARE = re.compile(r"(?<![A-Za-z0-9_])(NAME|AUTHOR)(?![A-Za-z0-9_])")


def has_braced_placeholders(text: str) -> bool:
    return bool(_BRACED.search(text))


def has_bare_placeholders(text: str) -> bool:
    return bool(_BARE.search(text))


def placeholder_names(text: str, bare: bool = False) -> set[str]:
    """Which of name/author the text asks for."""
    found = {m.group(1).lower() for m in _BRACED.finditer(text)}
    if bare:
        found |= {m.group(1).lower() for m in _BARE.finditer(text)}
    return found


def fill_placeholders(text: str, name: str, author: str, bare: bool = False) -> str:
    """Replace ``{{name}}``/``{{author}}`` (any case) and, with ``bare``, ``NAME``/``AUTHOR``.

    The replacement is literal; an empty value is a problem the caller reports.
    """
    values = {"name": name, "author": author}
    text = _BRACED.sub(lambda m: values[m.group(1).lower()], text)
    if bare:
        text = _BARE.sub(lambda m: values[m.group(1).lower()], text)
    return text
