"""text_encoding: the line of a file's first byte that is not UTF-8, and what the file looks like."""

from __future__ import annotations

import io
import json

import pytest

from core import text_encoding

ZH = json.dumps([{"input": "你好，请介绍一下你自己", "output": "我是小助手，由小明打造。"}] * 3,
                ensure_ascii=False, indent=2)
DE = json.dumps([{"input": "Grüße aus München", "output": "für dich, schön"}] * 3, ensure_ascii=False, indent=2)


def _guess(data: bytes) -> tuple[int, str]:
    raw = io.BytesIO(data)
    out = text_encoding.not_utf8(raw)
    assert raw.tell() == 0  # left at its start for the reader that follows
    return out


@pytest.mark.parametrize("data, expected", [
    (ZH.encode("gbk"), (3, "gbk")),
    (DE.encode("latin-1"), (3, "other")),  # decodes as GBK too, but its second bytes are ASCII letters
    ('[{"input": "café"}]'.encode("latin-1"), (1, "other")),
    (bytes(range(256)) * 16, (2, "binary")),
    (ZH.encode("utf-16"), (1, "utf16")),
    (ZH.encode("utf-16-le"), (3, "utf16")),
    (ZH.encode("utf-16-be"), (3, "utf16")),
], ids=["gbk", "latin-1 german", "latin-1 french", "binary", "utf-16 bom", "utf-16-le", "utf-16-be"])
def test_what_a_file_looks_like(data, expected):
    assert _guess(data) == expected


def test_the_guess_reads_where_the_first_bad_byte_is_not_only_the_head():
    """70 KB of ASCII lines, then one line in another encoding: the head alone says nothing."""
    ascii_lines = b'{"a": "x"}\n' * 7000
    assert _guess(ascii_lines + '{"a": "你好世界"}\n'.encode("gbk")) == (7001, "gbk")
    assert _guess(ascii_lines + b'{"a": "caf\xe9"}\n') == (7001, "other")


def test_a_character_cut_between_two_chunks_does_not_move_the_line(monkeypatch):
    monkeypatch.setattr(text_encoding, "CHUNK", 4)  # "好" (3 bytes) straddles the first chunk's end
    assert text_encoding.utf8_error_line(io.BytesIO(b"ab\xe5\xa5\xbd\n\xff\nx\n")) == 2
    assert text_encoding.utf8_error_line(io.BytesIO("ab好\n好\n".encode())) == 3  # all UTF-8: after the last


@pytest.mark.parametrize("data, codec", [
    (ZH.encode("utf-16"), "utf-16"),
    (ZH.encode("utf-16-le"), "utf-16-le"),
    (ZH.encode("utf-16-be"), "utf-16-be"),
    (DE.encode("utf-16-le"), "utf-16-le"),
    (ZH.encode("utf-8"), None),
    (ZH.encode("gbk"), None),
    (bytes(range(256)) * 16, None),
], ids=["bom", "le", "be", "le latin", "utf-8", "gbk", "binary"])
def test_utf16_with_or_without_a_byte_order_mark(data, codec):
    assert text_encoding.utf16_encoding(data[:65536]) == codec
