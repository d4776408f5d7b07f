"""What a file that is not UTF-8 is: the line of its first bad byte and a guess at what it is.

One place for the guess, so the import (which then reads a GBK file as GBK) and the check of a
saved dataset (which names the encoding and asks for UTF-8) say the same thing about the same file.
"""

from __future__ import annotations

import codecs
from typing import IO

CHUNK = 1 << 20
HEAD = 65536  # bytes the guess looks at


def utf8_error_line(raw: IO[bytes]) -> int:
    """The 1-based line of the first byte in ``raw`` (read from where it is, a chunk at a time) that is
    not UTF-8; the line after the last when there is none."""
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    while chunk := raw.read(CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return line + chunk.count(b"\n", 0, exc.start)
        line += chunk.count(b"\n")
    return line


def not_utf8(raw: IO[bytes]) -> tuple[int, str]:
    """The line of the first byte of ``raw`` (read from its start, left at its start) that is not
    UTF-8, and what the file looks like: "gbk" (it reads as GBK text), "binary" (mostly not text in
    either), or "other" (text in some other encoding)."""
    raw.seek(0)
    head = raw.read(HEAD)
    raw.seek(0)
    line = utf8_error_line(raw)
    raw.seek(0)
    gbk = codecs.getincrementaldecoder("gb18030")(errors="replace").decode(head)  # a cut last character is no error
    texty = sum(1 for c in gbk if c.isprintable() or c in "\t\r\n")
    if "\ufffd" not in gbk and texty >= 0.95 * max(1, len(gbk)) and _mostly_cjk_or_ascii(gbk):
        return line, "gbk"
    utf8 = head.decode("utf-8", errors="replace")
    return line, "binary" if utf8.count("\ufffd") > 0.1 * max(1, len(utf8)) else "other"


def _mostly_cjk_or_ascii(text: str) -> bool:
    """Chinese text read as GBK: ASCII, CJK ideographs and punctuation, not the rare symbols random bytes give."""
    common = sum(1 for c in text if c < "\x80" or "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
                 or "\uff00" <= c <= "\uffef")
    return common >= 0.9 * max(1, len(text))
