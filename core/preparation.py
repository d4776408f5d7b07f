"""What XTuner does before its first step, read from its log; progress-bar lines collapsed.

Between the start and the first ``Iter(train)`` line XTuner loads the model, then reads the
data file, turns the records into tokens and packs them (``datasets`` progress bars such as
``Map (num_proc=32):  45%|████▌     | 91/202 [...]``, each state written after a carriage
return on one long line), then asks the sample questions once before training. A
:class:`Preparation` folds log text into the current :class:`Phase`, with the fraction the
latest bar gives. :func:`bar_state` is what a terminal would show of one such line.

Signals, in the order XTuner 0.2.0 writes them (``xtuner/dataset/huggingface.py`` and
mmengine's Runner): ``Config:`` (the model is built next), ``Hooks will be executed`` (the
data is read next), ``Generating train split: N examples``, ``Map``/``Filter`` bars
(template, tokenizing, filtering), ``Flattening the indices`` (shuffling before packing), a
``Map`` bar that packs, ``Num train samples N``, ``before_train in EvaluateChatHook``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STARTING = "starting"
MODEL = "model"  # building the model (weights loaded from disk)
DATA = "data"  # reading the data file
TOKENIZE = "tokenize"  # template, tokenizing, filtering: every bar before the shuffle
PACK = "pack"  # shuffling and packing into samples of max_length tokens
SAMPLES = "samples"  # the sample questions asked once before training
FIRST_STEPS = "first_steps"  # data ready; training until the first logged step
PHASES = (STARTING, MODEL, DATA, TOKENIZE, PACK, FIRST_STEPS, SAMPLES)

BAR_RE = re.compile(r"^(?P<desc>[^\r\n|]{1,120}?):\s+(?P<pct>\d{1,3})%\|[^|]*\|\s*(?P<done>\d+)/(?P<total>\d+)\b")
SPLIT_RE = re.compile(r"^Generating \w+ split: (?P<done>\d+) examples")
SHARDS = "Loading checkpoint shards"
FLATTEN = "Flattening the indices"


def bar_state(line: str) -> str:
    """The text a terminal shows for ``line``: what follows its last carriage return."""
    parts = [p for p in line.split("\r") if p.strip()]
    return parts[-1] if parts else ""


def is_bar(line: str) -> bool:
    return bool(BAR_RE.match(line) or SPLIT_RE.match(line))


@dataclass(frozen=True)
class Phase:
    """One step of the preparation: its name, and what the log says of its size and progress."""

    name: str
    fraction: float | None = None  # of the latest progress bar, when one is running
    records: int | None = None  # data records being processed (TOKENIZE, PACK, DATA)
    samples: int | None = None  # packed training samples (FIRST_STEPS, SAMPLES)


@dataclass
class Preparation:
    """The preparation phase so far; :meth:`update` takes log text in the order it was written."""

    phase: Phase = field(default_factory=lambda: Phase(STARTING))
    packing: bool = False  # the shuffle before packing was seen: later bars pack

    def update(self, text: str) -> Phase:
        for state in re.split(r"[\r\n]+", text):
            if state.strip():
                self._line(state)
        return self.phase

    def _line(self, line: str) -> None:
        p = self.phase
        if "Num train samples" in line:
            m = re.search(r"Num train samples (\d+)", line)
            self.phase = Phase(FIRST_STEPS, samples=int(m.group(1)) if m else None)
        elif "before_train in EvaluateChatHook" in line:
            self.phase = Phase(SAMPLES, samples=p.samples)
        elif p.name in (FIRST_STEPS, SAMPLES):
            return  # the data is ready; later bars (if any) are not the preparation's
        elif " - mmengine - INFO - Config:" in line:
            self.phase = Phase(MODEL)
        elif "Hooks will be executed in the following order" in line:
            self.phase = Phase(DATA)
        elif m := SPLIT_RE.match(line):
            self.phase = Phase(DATA, records=int(m.group("done")))
        elif m := BAR_RE.match(line):
            self._bar(m)

    def _bar(self, m: re.Match[str]) -> None:
        desc, done, total = m.group("desc"), int(m.group("done")), int(m.group("total"))
        fraction = min(1.0, done / total) if total else int(m.group("pct")) / 100
        if desc.startswith(SHARDS):
            self.phase = Phase(MODEL, fraction)
            return
        if desc.startswith(FLATTEN):
            self.packing = True
        records = self.phase.records if self.packing and self.phase.name == PACK else total
        self.phase = Phase(PACK if self.packing else TOKENIZE, fraction, records=records)
