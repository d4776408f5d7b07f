"""Read JSON values one at a time out of a text stream, with bounded memory.

A 150 MB dataset is a top-level array of small records: :meth:`Reader.elements` yields them
one by one, decoding each with CPython's own C scanner (``JSONDecoder.raw_decode``) from a
buffer that only ever holds the value being read plus one chunk. :meth:`Reader.values`
reads whitespace-separated values, :meth:`Reader.lines` the lines of a JSONL file. A syntax
error is a :class:`SyntaxProblem` with its line, column and a reason code
(:func:`json_reason`), never the parser's English alone. Text inside strings may
hold control characters (``strict=False``): they are reported per record by
:func:`core.dataset.check_record`, with the field, instead of failing the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

CHUNK = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
_AFTER = re.compile(r"[ \t\n\r]*([,\]])?[ \t\n\r]*")
_DECODER = json.JSONDecoder(strict=False)


JSON_REASONS = {  # CPython's json messages -> a code a page words in its own language
    "Expecting value": "value", "Expecting property name enclosed in double quotes": "property_name",
    "Expecting ':' delimiter": "colon", "Expecting ',' delimiter": "comma",
    "Unterminated string starting at": "unterminated_string", "Invalid control character at": "control_char",
    "Invalid \\escape": "escape", "Invalid \\uXXXX escape": "escape", "Extra data": "extra_data",
    "Illegal trailing comma before end of object": "trailing_comma",
    "Illegal trailing comma before end of array": "trailing_comma",
}
JSON_REASON_CODES = sorted({*JSON_REASONS.values(), "other", "truncated"})


def json_reason(msg: str) -> str:
    """The code of a :class:`json.JSONDecodeError` message ("Expecting value" -> "value")."""
    return JSON_REASONS.get(msg, "other")


class SyntaxProblem(Exception):
    """Where the text stops being JSON: 1-based line and column, and a reason code."""

    def __init__(self, line: int, column: int, reason: str, msg: str) -> None:
        super().__init__(f"line {line}, column {column}: {msg}")
        self.line, self.column, self.reason, self.msg = line, column, reason, msg


class Reader:
    """JSON text read in chunks from ``read(n) -> str`` (e.g. a text file's ``read``)."""

    def __init__(self, read: Callable[[int], str], chunk: int = CHUNK) -> None:
        self._read, self._chunk = read, chunk
        self.buf, self.pos, self.eof = "", 0, False
        self._line = 1  # line number of buf[0]
        self._col = 0  # characters before buf[0] on its line

    # ---------------------------------------------------------------- buffer

    def _more(self, at_least: int = 0) -> bool:
        """Drop what was read, then append a chunk (at least ``at_least`` characters)."""
        if self.eof:
            return False
        if self.pos:
            done = self.buf[:self.pos]
            newlines = done.count("\n")
            self._line += newlines
            self._col = len(done) - done.rfind("\n") - 1 if newlines else self._col + len(done)
            self.buf, self.pos = self.buf[self.pos:], 0
        text = self._read(max(self._chunk, at_least))
        if not text:
            self.eof = True
            return False
        self.buf += text
        return True

    def first_char(self) -> str:
        """The first character that is not whitespace ("" for an empty text)."""
        self._skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def first_line_is_json(self) -> bool:
        """Whether the first line that is not blank is a whole JSON value by itself (JSONL, not one
        pretty-printed value); reads as far as that line's end."""
        self._skip_ws()
        nl = self.buf.find("\n", self.pos)
        while nl < 0 and self._more(len(self.buf)):
            nl = self.buf.find("\n", self.pos)
        try:
            loads_line(self.buf[self.pos:nl if nl >= 0 else len(self.buf)])
        except json.JSONDecodeError:
            return False
        return True

    def _skip_ws(self) -> None:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self._more():
                return

    def where(self, pos: int) -> tuple[int, int]:
        """1-based (line, column) of buffer position ``pos``."""
        nl = self.buf.rfind("\n", 0, pos)
        line = self._line + self.buf.count("\n", 0, pos)
        return line, (pos - nl if nl >= 0 else self._col + pos + 1)

    def _fail(self, pos: int, reason: str, msg: str) -> SyntaxProblem:
        line, column = self.where(min(pos, len(self.buf)))
        return SyntaxProblem(line, column, reason, msg)

    def _value(self) -> Any:
        """Decode the value at ``pos`` (not whitespace), reading more while it may be cut by the chunk."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated string")
                if cut and not self.eof:  # read on (the buffer doubles: a huge value costs O(n)), decode again
                    self._more(len(self.buf))
                    continue
                at_end = self.eof and _WS.match(self.buf, exc.pos).end() >= len(self.buf)  # nothing after it
                raise self._fail(exc.pos, "truncated" if cut and at_end else json_reason(exc.msg), exc.msg) from None
            if end > len(self.buf) - 32 and not self.eof:  # a number may go on in the next chunk ("1.5|e3")
                self._more()
                continue
            self.pos = end
            return value

    # ---------------------------------------------------------------- the three layouts

    def elements(self) -> Iterator[Any]:
        """The elements of the top-level array (``first_char()`` was "["); then only whitespace may follow."""
        self.pos += 1
        self._skip_ws()
        if self.buf[self.pos:self.pos + 1] == "]":
            self.pos += 1
            self._end()
            return
        while True:
            self._skip_ws()
            if self.pos >= len(self.buf):
                raise self._fail(self.pos, "truncated", "the file ends inside the list")
            yield self._value()
            while True:  # whitespace, a comma or the closing bracket, whitespace
                m = _AFTER.match(self.buf, self.pos)
                if m.end() < len(self.buf) or self.eof:
                    break
                self._more()
            self.pos, sep = m.end(), m.group(1)
            if sep == ",":
                if self.buf[self.pos:self.pos + 1] == "]":
                    raise self._fail(m.start(1), "trailing_comma", "a comma after the last item")
            elif sep == "]":
                self._end()
                return
            elif self.pos >= len(self.buf):
                raise self._fail(self.pos, "truncated", "the file ends inside the list")
            else:
                raise self._fail(self.pos, "comma", "Expecting ',' delimiter")

    def _end(self) -> None:
        self._skip_ws()
        if self.pos < len(self.buf):
            raise self._fail(self.pos, "extra_data", "Extra data")

    def values(self) -> Iterator[Any]:
        """Values one after another, separated by whitespace (one pretty-printed object, or several)."""
        while self.first_char():
            yield self._value()

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of every line that is not blank (JSONL)."""
        number = self._line
        while True:
            nl = self.buf.find("\n", self.pos)
            while nl < 0 and self._more(len(self.buf)):
                nl = self.buf.find("\n", self.pos)
            end = nl if nl >= 0 else len(self.buf)
            if end > self.pos or nl >= 0:
                text = self.buf[self.pos:end]
                if text.strip():
                    yield number, text
            if nl < 0:
                return
            self.pos, number = nl + 1, number + 1


def loads_line(text: str) -> Any:
    """One JSONL line (control characters inside strings allowed, like :class:`Reader`)."""
    return _DECODER.decode(text)
