"""Sample answers as answers: the question and the assistant's text out of XTuner's eval output.

XTuner's EvaluateChatHook writes ``vis_data/eval_outputs_iter_N.txt``: blocks headed
``Eval output i:``, each the decoded whole sequence (system, the template's instruction
around the question, the generated answer, the stop word). :func:`parse_block` cuts out the
question and the answer with the run's prompt template (``core.templates``); text the
tokenizer could not decode arrives as U+FFFD, which :func:`say_undecodable` puts in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER_RE = re.compile(r"^Eval output (\d+):[ \t]*$", re.M)
UNDECODABLE_RE = re.compile("\ufffd+")
# End-of-turn and special tokens that may follow an answer whatever the template.
END_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>", "<|end|>",
              "<end_of_turn>", "<|EOT|>", "<|action_end|>")
TAG_RE = re.compile(r"<\|[^<>|\s]{1,40}\|>|</?s>|<eos>|<bos>")


@dataclass(frozen=True)
class Sample:
    """One sample answer: ``question`` is None where the text did not show it."""

    iteration: int  # 0-based, as in the file name (the page shows it + 1)
    number: int  # 1-based position among the evaluation inputs
    question: str | None
    answer: str
    raw: str


def split_blocks(text: str) -> list[tuple[int, str]]:
    """``(number, raw text)`` of each ``Eval output i:`` block of one eval output file."""
    heads = list(HEADER_RE.finditer(text))
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append((int(m.group(1)), text[m.end():end].strip("\n")))
    if not heads and text.strip():
        out.append((1, text.strip("\n")))
    return out


def _cut_at_end(answer: str, stops: list[str]) -> str:
    cut = len(answer)
    for word in stops:
        i = answer.find(word) if word else -1
        if 0 <= i < cut:
            cut = i
    return answer[:cut]


def parse_block(raw: str, template: dict[str, Any] | None, question: str | None = None) -> tuple[str | None, str]:
    """``(question, answer)`` of one eval output; ``question`` (the evaluation input) helps find it.

    The answer is what follows the instruction's part after ``{input}``, up to the template's
    stop words or any end-of-turn token. Without a recognisable instruction the whole text is
    given with the template's tags removed.
    """
    instruction = (template or {}).get("INSTRUCTION", "{input}").replace("{round}", "1")
    pre, _, post = instruction.partition("{input}")
    stops = [*(template or {}).get("STOP_WORDS", []), (template or {}).get("SUFFIX", "").strip(), *END_TOKENS]
    found: tuple[str | None, str] | None = None
    if question:
        i = raw.find(question)
        if i >= 0:
            start = i + len(question)
            j = raw.find(post, start) if post.strip() else start
            if j >= 0:
                found = (question, raw[j + len(post):] if post.strip() else raw[start:])
    if found is None and pre.strip() and post.strip():
        start = _after_system(raw, template)
        i = raw.find(pre, start)
        j = raw.find(post, i + len(pre)) if i >= 0 else -1
        if j >= 0:
            found = (raw[i + len(pre):j].strip(), raw[j + len(post):])
    if found is None:
        return None, TAG_RE.sub("", _strip_template(raw, template)).strip()
    q, answer = found
    return q, TAG_RE.sub("", _cut_at_end(answer, stops)).strip()


def _after_system(raw: str, template: dict[str, Any] | None) -> int:
    """Where the text after the template's system part begins (0 when the text starts without one);
    a system part may hold the instruction's own tags (llama2_chat's ``[INST]``)."""
    head, _, tail = (template or {}).get("SYSTEM", "").partition("{system}")
    head, tail = head.strip(), tail.strip()
    h = raw.find(head) if head and tail else -1
    if h < 0 or TAG_RE.sub("", raw[:h]).strip():
        return 0
    end = raw.find(tail, h + len(head))
    return end + len(tail) if end >= 0 else 0


def _strip_template(raw: str, template: dict[str, Any] | None) -> str:
    for part in (template or {}).values():
        if isinstance(part, str):
            for piece in re.split(r"\{\w+\}", part):
                if piece.strip():
                    raw = raw.replace(piece.strip(), "")
    return raw


def parse_file(iteration: int, text: str, template: dict[str, Any] | None, questions: list[str]) -> list[Sample]:
    """The samples of one eval output file (block i answers ``questions[i - 1]``)."""
    out = []
    for number, raw in split_blocks(text):
        asked = questions[number - 1] if 0 < number <= len(questions) else None
        q, answer = parse_block(raw, template, asked)
        out.append(Sample(iteration, number, q, answer, raw))
    return out


def say_undecodable(text: str, words: str) -> str:
    """``text`` with each run of undecodable bytes (U+FFFD) replaced by ``words``."""
    return UNDECODABLE_RE.sub(words, text)


def undecodable_share(text: str) -> float:
    """The share of ``text``'s characters that are undecodable (0 for an empty text)."""
    return text.count("\ufffd") / len(text) if text else 0.0


@dataclass
class SampleFiles:
    """A run's eval output files, each read once it stops changing (kept between refreshes)."""

    work_dir: Path
    seen: dict[Path, tuple[int, int, list[Sample]]] = field(default_factory=dict)  # path -> (size, mtime_ns, samples)

    def read(self, template: dict[str, Any] | None, questions: list[str]) -> list[Sample]:
        """All samples so far, by iteration then number; files already read are not read again."""
        seen = self.seen
        for path in Path(self.work_dir).glob("*/vis_data/eval_outputs_iter_*.txt"):
            m = re.search(r"eval_outputs_iter_(\d+)\.txt$", path.name)
            try:
                stat = path.stat()
            except OSError:
                continue
            old = seen.get(path)
            if m and (old is None or old[:2] != (stat.st_size, stat.st_mtime_ns)):
                text = path.read_text(encoding="utf-8", errors="replace")
                seen[path] = (stat.st_size, stat.st_mtime_ns, parse_file(int(m.group(1)), text, template, questions))
        return sorted((s for _, _, found in seen.values() for s in found), key=lambda s: (s.iteration, s.number))
