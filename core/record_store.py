"""Many dataset records held compactly: encoded once, decoded one at a time when asked for.

A 150 MB import read into Python dicts takes about twice the file in memory, next to the
upload's own bytes. :class:`Records` keeps each record as its compact JSON (UTF-8) in a
spool: a bytearray for the first :data:`SPILL` bytes, then an anonymous temporary file in
``$TMPDIR`` or /var/tmp (unlinked at once, so it goes away with the store, even if the server
is killed; if the disk fills up, the store moves back to memory). A large import then costs
disk, not the server's memory; a record is decoded when it is indexed or iterated over.

It reads like a list of records: ``len``, indexing, slicing (a view, nothing copied),
iteration, ``==`` with a list, and ``+`` (a new store sharing the parts; nothing is copied
either). A store is only appended to while it is built; a view taken earlier keeps the
records it had.

:func:`json_chunks` writes any sequence of records as the exact text of ``json.dumps``, a
record at a time, and :func:`load_list` reads a saved JSON list of records into a store
without reading the file whole (see :mod:`core.json_stream`).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import c_make_encoder, encode_basestring
from pathlib import Path
from typing import Any

from core import json_stream

SPILL = 4 * 2**20  # encoded bytes a store keeps in memory before it moves them to a temporary file
BLOCK = 1 << 20  # bytes read at a time while iterating, and written at a time to the temporary file
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False)
_DECODER = json.JSONDecoder()
# json's own C encoder, made once: JSONEncoder.encode makes a new one for every call, which is
# a third of the time a small record takes (300,000 of them are encoded when an import is added).
try:
    _C_ENCODER = c_make_encoder(None, _COMPACT.default, encode_basestring, None, ":", ",", False, False, True)
except TypeError:  # no C accelerator, or one made differently: JSONEncoder.encode does the same
    _C_ENCODER = None


def encode(rec: Any) -> bytes:
    """A record's compact JSON as UTF-8 (text with a lone surrogate, which UTF-8 cannot hold, is escaped)."""
    text = "".join(_C_ENCODER(rec, 0)) if _C_ENCODER else _COMPACT.encode(rec)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII.encode(rec).encode("ascii")


def decode(data: bytes) -> Any:
    """A record from what :func:`encode` made (valid UTF-8 JSON and nothing after it)."""
    return _DECODER.raw_decode(data.decode("utf-8"))[0]


def _temp_folder() -> str | None:
    """Where temporary record files go: ``$TMPDIR`` when set, else /var/tmp (on disk by convention,
    where /tmp may be a tmpfs, which is memory again), else the system's temporary folder."""
    if os.environ.get("TMPDIR"):
        return None
    return "/var/tmp" if os.path.isdir("/var/tmp") and os.access("/var/tmp", os.W_OK | os.X_OK) else None


class _Part:
    """Encoded records one after another, and where each ends; only ever appended to."""

    def __init__(self, spill: int, folder: str | None) -> None:
        self.ends = array("q")
        self._spill, self._folder = spill, folder
        self._mem = bytearray()  # everything, while in memory; else what is not yet written to the file
        self._file: io.FileIO | None = None
        self._written = 0  # bytes in the file
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ends)

    @property
    def size(self) -> int:
        return self.ends[-1] if self.ends else 0

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def start(self, i: int) -> int:
        return self.ends[i - 1] if i else 0

    def append(self, data: bytes) -> None:
        with self._lock:
            self._mem += data
            self.ends.append(self.size + len(data))
            if self._file is None and len(self._mem) > self._spill:
                self._to_disk()
            elif self._file is not None and len(self._mem) >= BLOCK:
                self._flush()

    def _to_disk(self) -> None:
        try:
            self._file = tempfile.TemporaryFile(buffering=0, prefix="records-", dir=self._folder or _temp_folder())
        except OSError:  # no temporary folder to write to: stay in memory
            self._spill = 1 << 62
            return
        self._flush()

    def _flush(self) -> None:
        """Write what is pending; when the disk refuses (full), everything goes back to memory."""
        try:
            done = 0
            while done < len(self._mem):
                done += self._file.write(memoryview(self._mem)[done:])
        except OSError:
            self._mem = bytearray(self._pread(0, self._written)) + self._mem
            self._file.close()
            self._file, self._written, self._spill = None, 0, 1 << 62
            return
        self._written += len(self._mem)
        self._mem = bytearray()

    def _pread(self, start: int, end: int) -> bytes:
        out = bytearray()
        while start + len(out) < end:
            got = os.pread(self._file.fileno(), end - start - len(out), start + len(out))
            if not got:
                raise OSError(f"the temporary records file ends at {start + len(out)} bytes, before {end}")
            out += got
        return bytes(out)

    def read(self, start: int, end: int) -> bytes:
        """The encoded bytes from ``start`` to ``end``."""
        with self._lock:
            if self._file is not None and end > self._written:
                self._flush()
            if self._file is None:
                return bytes(memoryview(self._mem)[start:end])
            return self._pread(start, end)

    def raw(self, first: int, stop: int) -> Iterator[bytes]:
        """The encoded records ``first`` to ``stop - 1``, read a block at a time."""
        i = first
        while i < stop:
            begin = self.start(i)
            j = max(bisect_right(self.ends, begin + BLOCK, i, stop), i + 1)  # whole records, about a block
            block = self.read(begin, self.ends[j - 1])
            for k in range(i, j):
                yield block[self.start(k) - begin:self.ends[k] - begin]
            i = j


class Records(Sequence):
    """A sequence of records kept encoded (see the module's docstring); built from ``records`` and
    :meth:`append`; ``spill`` (bytes, :data:`SPILL` when not given) and ``folder`` (the system's
    temporary folder when not given) say when and where it moves to a temporary file."""

    __hash__ = None  # type: ignore[assignment]  # compared by content, like a list

    def __init__(self, records: Iterable[Any] = (), *, spill: int | None = None, folder: str | None = None) -> None:
        self._slices: list[list[Any]] = []  # [part, first, stop]: part's records first..stop-1
        self._ends: list[int] = []  # records up to the end of each slice
        self._spill, self._folder = SPILL if spill is None else spill, folder
        for rec in records:
            self.append(rec)

    def _view(self, slices: Iterable[tuple[_Part, int, int]]) -> Records:
        out = Records(spill=self._spill, folder=self._folder)
        total = 0
        for part, first, stop in slices:
            if stop > first:
                out._slices.append([part, first, stop])
                total += stop - first
                out._ends.append(total)
        return out

    # ---------------------------------------------------------------- building

    def append(self, rec: Any) -> None:
        self.append_encoded(encode(rec))

    def append_encoded(self, data: bytes) -> None:
        """Append a record given as its compact JSON (what :func:`encode` makes)."""
        last = self._slices[-1] if self._slices else None
        if last is None or last[2] != len(last[0]):  # the part has grown in another view: start a new one
            last = [_Part(self._spill, self._folder), 0, 0]
            self._slices.append(last)
            self._ends.append(self._ends[-1] if self._ends else 0)
        last[0].append(data)
        last[2] += 1
        self._ends[-1] += 1

    def map(self, fn: Callable[[Any], Any]) -> Records:
        """A new store of ``fn(record)`` for each record."""
        return Records((fn(rec) for rec in self), spill=self._spill, folder=self._folder)

    def subset(self, positions: Iterable[int]) -> Records:
        """A view of the records at ``positions`` (0-based, ascending), nothing decoded or copied."""
        runs: list[tuple[_Part, int, int]] = []
        for i in positions:
            part, j = self._locate(i)
            if runs and runs[-1][0] is part and runs[-1][2] == j:
                runs[-1] = (part, runs[-1][1], j + 1)
            else:
                runs.append((part, j, j + 1))
        return self._view(runs)

    # ---------------------------------------------------------------- reading

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _locate(self, i: int) -> tuple[_Part, int]:
        k = bisect_right(self._ends, i)
        part, first, _ = self._slices[k]
        return part, first + i - (self._ends[k - 1] if k else 0)

    def raw(self, i: int) -> bytes:
        """Record ``i``'s compact JSON."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError("record index out of range")
        part, j = self._locate(i % n)
        return part.read(part.start(j), part.ends[j])

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(start, stop, step)]
            return self._between(start, max(start, stop))
        return decode(self.raw(i))

    def _between(self, start: int, stop: int) -> Records:
        out, before = [], 0
        for (part, first, _), end in zip(self._slices, self._ends, strict=True):
            lo, hi = max(start, before), min(stop, end)
            if lo < hi:
                out.append((part, first + lo - before, first + hi - before))
            before = end
        return self._view(out)

    def iter_raw(self) -> Iterator[bytes]:
        """Every record's compact JSON, in order."""
        for part, first, stop in self._slices:
            yield from part.raw(first, stop)

    def __iter__(self) -> Iterator[Any]:
        return map(decode, self.iter_raw())

    @property
    def nbytes(self) -> int:
        """Bytes of encoded records in this view."""
        return sum(part.ends[stop - 1] - part.start(first) for part, first, stop in self._slices)

    @property
    def on_disk(self) -> bool:
        """Whether some of the records are in a temporary file rather than in memory."""
        return any(part.on_disk for part, _, _ in self._slices)

    # ---------------------------------------------------------------- like a list

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (Records, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __add__(self, other: object) -> Records:
        if isinstance(other, (list, tuple)):
            other = Records(other, spill=self._spill, folder=self._folder)
        if not isinstance(other, Records):
            return NotImplemented
        return self._view([*map(tuple, self._slices), *map(tuple, other._slices)])

    def __radd__(self, other: object) -> Records:
        if not isinstance(other, (list, tuple)):
            return NotImplemented
        return Records(other, spill=self._spill, folder=self._folder) + self

    def __copy__(self) -> Records:
        return self[:]

    def __reduce__(self) -> tuple[Any, ...]:
        return Records, (list(self),)

    def __repr__(self) -> str:
        where = "on disk" if self.on_disk else "in memory"
        return f"<Records: {len(self):,} records, {self.nbytes:,} bytes {where}>"


# ---------------------------------------------------------------- whole files


def json_chunks(records: Iterable[Any], indent: int | None = None) -> Iterator[bytes]:
    """UTF-8 text of ``json.dumps(list(records), ensure_ascii=False, indent=indent)`` (with
    ``separators=(",", ":")`` when ``indent`` is None), a record at a time. A record with text UTF-8
    cannot hold (a lone surrogate, from a ``\\ud800`` escape) is written with escapes, as JSON allows."""
    if indent is None:
        items = records.iter_raw() if isinstance(records, Records) else map(encode, records)
        opening, between, closing = b"[", b",", b"]"
    else:
        pad = "\n" + " " * indent  # a line break inside a record is indentation: its strings hold "\\n"
        items = (_indented(rec, indent, pad) for rec in records)
        opening, between, closing = (b"[" + pad.encode(), b"," + pad.encode(), b"\n]")
    sep = opening
    for data in items:
        yield sep + data
        sep = between
    yield b"[]" if sep is opening else closing


def _indented(rec: Any, indent: int, pad: str) -> bytes:
    """One record as ``json.dumps(rec, ensure_ascii=False, indent=indent)`` one level in; the usual
    shape (a conversation of turns with text values) is written directly, several times faster."""
    try:
        fast = _indented_conversation(rec, indent)
        return (fast or json.dumps(rec, ensure_ascii=False, indent=indent).replace("\n", pad)).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(rec, indent=indent).replace("\n", pad).encode("ascii")


def _indented_conversation(rec: Any, indent: int) -> str | None:
    """``{"conversation": [{key: text, ...}, ...]}`` one level into a list, indented as ``json.dumps``
    does; None for any other shape."""
    turns = rec.get("conversation") if type(rec) is dict and len(rec) == 1 else None
    if type(turns) is not list or not turns:
        return None
    one, two, three, four = ("\n" + " " * (indent * n) for n in (1, 2, 3, 4))
    parts = []
    for turn in turns:
        if type(turn) is not dict or not turn:
            return None
        fields = []
        for key, value in turn.items():
            if type(key) is not str or type(value) is not str:
                return None
            fields.append(four + encode_basestring(key) + ": " + encode_basestring(value))
        parts.append(three + "{" + ",".join(fields) + three + "}")
    return "{" + two + '"conversation": [' + ",".join(parts) + two + "]" + one + "}"


def load_list(path: Path, accept: Callable[[Any, int], bool] | None = None, *,
              spill: int | None = None, folder: str | None = None) -> Records | None:
    """The records of a saved JSON list (those ``accept(record, 1-based index)`` takes), read a
    record at a time; None when the file is missing, not UTF-8, not JSON or not a list."""
    out = Records(spill=spill, folder=folder)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = json_stream.Reader(f.read)
            if reader.first_char() != "[":
                return None
            for i, rec in enumerate(reader.elements(), 1):
                if accept is None or accept(rec, i):
                    out.append(rec)
    except (OSError, UnicodeDecodeError, json_stream.SyntaxProblem):
        return None
    return out
