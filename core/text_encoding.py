"""What a file that is not UTF-8 is: the line of its first bad byte and a guess at what it is.

One place for the guess, so the import (which then reads a GBK or UTF-16 file as such) and the check
of a saved dataset (which names the encoding and asks for UTF-8) say the same thing about the same file.
"""

from __future__ import annotations

import codecs
from typing import IO

CHUNK = 1 << 20
HEAD = 65536  # bytes a guess looks at


def utf8_error_line(raw: IO[bytes]) -> int:
    """The 1-based line of the first byte in ``raw`` (read from where it is, a chunk at a time) that is
    not UTF-8; the line after the last when there is none."""
    return _first_bad_byte(raw)[0]


def _first_bad_byte(raw: IO[bytes]) -> tuple[int, int | None]:
    """(line, offset from where ``raw`` was) of the first byte that is not UTF-8; offset None when all are."""
    decoder, line, offset = codecs.getincrementaldecoder("utf-8")(), 1, 0
    while chunk := raw.read(CHUNK):
        held = len(decoder.getstate()[0])  # the start of a character cut by the last chunk's end
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:  # exc.start counts the held bytes too; they hold no newline
            at = max(0, exc.start - held)
            return line + chunk.count(b"\n", 0, at), offset + exc.start - held
        line += chunk.count(b"\n")
        offset += len(chunk)
    return line, None


def utf16_encoding(head: bytes) -> str | None:
    """The codec for a file that starts with ``head`` when it is UTF-16 text: "utf-16" with a byte-order
    mark (Notepad's "Unicode"), "utf-16-le"/"utf-16-be" for text without one; None otherwise."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) < 4:
        return None
    # JSON and CSV have ASCII (brackets, quotes, commas): its zero bytes sit at odd offsets in
    # little-endian UTF-16 and at even ones in big-endian.
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if max(odd, even) < 0.05 * len(head) / 2:
        return None
    codec = "utf-16-le" if odd > even else "utf-16-be"
    text = head[: len(head) // 2 * 2].decode(codec, errors="replace")
    if "\ufffd" in text[:-1] or "\x00" in text or not _looks_like_text(text) or not _mostly_cjk_or_ascii(text):
        return None
    return codec


def not_utf8(raw: IO[bytes]) -> tuple[int, str]:
    """The line of the first byte of ``raw`` (read from its start, left at its start) that is not
    UTF-8, and what the file looks like: "utf16" (UTF-16 text), "gbk" (it reads as Chinese in GBK),
    "binary" (mostly not text), or "other" (text in some other encoding, Latin-1 say)."""
    raw.seek(0)
    head = raw.read(HEAD)
    raw.seek(0)
    line, offset = _first_bad_byte(raw)
    sample = head if offset is None else _line_onwards(raw, offset)
    raw.seek(0)
    if utf16_encoding(head):
        return line, "utf16"
    if _reads_as_gbk(sample):
        return line, "gbk"
    utf8 = head.decode("utf-8", errors="replace")
    return line, "binary" if utf8.count("\ufffd") > 0.1 * max(1, len(utf8)) else "other"


def _line_onwards(raw: IO[bytes], offset: int) -> bytes:
    """:data:`HEAD` bytes from the start of the line holding ``offset`` (from ``offset`` itself when that
    line started more than 4 KB before it). The guess reads there, not at the file's head: a file may
    be ASCII for thousands of lines, and a line starts on a whole character in GBK too (no GBK byte
    is a newline)."""
    back = max(0, offset - 4096)
    raw.seek(back)
    newline = raw.read(offset - back).rfind(b"\n")
    raw.seek(back + newline + 1 if newline >= 0 or back == 0 else offset)
    return raw.read(HEAD)


def _reads_as_gbk(sample: bytes) -> bool:
    """Chinese text in GBK: decodes with no bad byte to ASCII and common ideographs, and most two-byte
    characters have both bytes in GB2312's range (A1–FE). Latin-1 text also decodes as GBK (``ü`` and
    the letter after it make a rare character), but its second bytes are mostly ASCII letters."""
    text = codecs.getincrementaldecoder("gb18030")(errors="replace").decode(sample)  # a cut last character is no error
    if "\ufffd" in text or not _looks_like_text(text) or not _mostly_cjk_or_ascii(text):
        return False
    pairs = gb2312 = 0
    i = 0
    while i < len(sample) - 1:
        if sample[i] < 0x80:
            i += 1
            continue
        pairs += 1
        gb2312 += sample[i] >= 0xA1 and sample[i + 1] >= 0xA1
        i += 2
    return pairs > 0 and gb2312 >= 0.8 * pairs


def _looks_like_text(text: str) -> bool:
    return sum(1 for c in text if c.isprintable() or c in "\t\r\n") >= 0.95 * max(1, len(text))


def _mostly_cjk_or_ascii(text: str) -> bool:
    """Chinese text: ASCII, CJK ideographs and punctuation, not the rare symbols random bytes give."""
    common = sum(1 for c in text if c < "\x80" or "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
                 or "\uff00" <= c <= "\uffef")
    return common >= 0.9 * max(1, len(text))
