"""What a training run looks like right now: state, progress, speed, charts, samples.

A :class:`Watch` remembers how far each file has been read (the log, ``scalars.json``, the
eval outputs), so each refresh reads only what is new (a 1 GB log costs the same to watch
as a 1 KB one) and says whether the charts have new rows. The run's config is parsed once
per change of the file. Everything is derived from the run folder; the page only renders
a :class:`Snapshot`.
"""

from __future__ import annotations

import math
import re
import statistics
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core import attempts, jobs, logs, preparation, samples, templates
from core import config as cfg
from core.runs import RunPaths

SAMPLE_RE = re.compile(r"Sample output:\s*$")
FIRST_LOOK_BYTES = 2 << 20
SHOWN_LINES = 200
BAR_PEEK_BYTES = 4096


@dataclass
class Watch:
    """Reading positions in one job's files, kept between refreshes (one per browser tab)."""

    job_dir: Path
    offset: int = -1
    progress: logs.Progress = field(default_factory=logs.Progress)
    lines: deque = field(default_factory=lambda: deque(maxlen=400))
    bar_open: bool = False  # the last line is a progress bar still being drawn
    preparation: preparation.Preparation = field(default_factory=preparation.Preparation)
    scalars: logs.ScalarsReader | None = None
    sample_files: samples.SampleFiles | None = None

    def read(self) -> str:
        """New log text since the last call; the first call reads only the log's last 2 MB.

        A progress bar's states (each after a carriage return) replace one another in
        :attr:`lines`, so the shown log keeps only the latest state of each bar.
        """
        path = jobs.log_path(self.job_dir)
        if self.offset < 0:
            self.offset = logs.tail_offset(path, FIRST_LOOK_BYTES)
        text, self.offset = logs.read_from(path, self.offset, max_bytes=2 * FIRST_LOOK_BYTES, ends=b"\n\r")
        if text:
            logs.update_progress(self.progress, text)
            if not self.progress.total:  # before the first logged step
                self.preparation.update(text)
            self._add_lines(text)
        if not self.progress.total:
            self._peek_bar(path)
        return text

    def _peek_bar(self, path: Path) -> None:
        """Show a bar's newest state, which stays unterminated until its next state is written."""
        state = logs.unterminated(path, self.offset, BAR_PEEK_BYTES)
        if not (state.endswith("]") and preparation.is_bar(state)):
            return
        self.preparation.update(state)
        if self.bar_open:
            self.lines[-1] = state
        else:
            self.lines.append(state)
            self.bar_open = True  # the same state arrives again with its line end, and replaces this

    def _add_lines(self, text: str) -> None:
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if last and not piece:  # the text ended with a whole line
                self.bar_open = False
                break
            shown = preparation.bar_state(piece) if "\r" in piece else piece
            if self.bar_open:
                if shown:
                    self.lines[-1] = shown
            else:
                self.lines.append(shown)
            self.bar_open = last  # an unfinished line: a bar whose next state replaces it

    def scalar_rows(self) -> list[dict]:
        """The run's logged scalar rows so far (read incrementally); see :attr:`rows_version`."""
        if self.scalars is None:
            self.scalars = logs.ScalarsReader(RunPaths(self.job_dir).work_dir)
        self.scalars.update()
        return self.scalars.rows

    @property
    def rows_version(self) -> int:
        """Grows whenever :meth:`scalar_rows` found new rows (charts need redrawing only then)."""
        return self.scalars.version if self.scalars else 0

    def sample_answers(self) -> list[samples.Sample]:
        """The in-training sample answers so far, question and answer cut out with the run's template."""
        if self.sample_files is None:
            self.sample_files = samples.SampleFiles(RunPaths(self.job_dir).work_dir)
        template, questions = sample_setup(self.job_dir)
        return self.sample_files.read(template, questions)


@dataclass
class Snapshot:
    job_dir: Path
    status: jobs.JobStatus
    progress: logs.Progress
    log_tail: str
    tokens_per_s: float | None
    sec_per_iter: float | None
    memory_mb: float | None
    failure: str | None
    phase: preparation.Phase = field(default_factory=lambda: preparation.Phase(preparation.STARTING))
    watch: Watch | None = None  # where more is read from: scalar_rows(), sample_answers()


_CACHE_LOCK = threading.Lock()
_SETTINGS: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}


def run_settings(run_dir: Path) -> dict[str, Any]:
    """The top-level settings of a run's config (``config.read_settings``), parsed once per change
    of the file; {} when it cannot be read."""
    path = RunPaths(Path(run_dir)).config
    try:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with _CACHE_LOCK:
            hit = _SETTINGS.get(path)
        if hit and hit[0] == key:
            return hit[1]
        settings = cfg.read_settings(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    with _CACHE_LOCK:
        _SETTINGS[path] = (key, settings)
    return settings


def sample_setup(run_dir: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The run's prompt template (its fields) and its evaluation questions, from its config."""
    settings = run_settings(run_dir)
    expr = settings.get("prompt_template")
    name = templates.template_name_from_code(expr.source) if isinstance(expr, cfg.Code) else None
    try:
        template = templates.template(name) if name else None
    except (ValueError, RuntimeError):
        template = None
    questions = settings.get("evaluation_inputs")
    questions = [q for q in questions if isinstance(q, str)] if isinstance(questions, list) else []
    return template, questions


def tokens_per_iteration(meta: dict) -> int | None:
    """Tokens in one iteration when samples are packed to max_length (else unknown)."""
    if not meta.get("pack_to_max_length") or not meta.get("max_length"):
        return None
    return int(meta["max_length"]) * int(meta.get("batch_size") or 1) * int(meta.get("gpus") or 1)


def snapshot(watch: Watch) -> Snapshot:
    watch.read()
    st = jobs.status(watch.job_dir)
    prog = watch.progress
    sec = prog.last.get("time")
    tpi = tokens_per_iteration(st.record.get("meta", {}))
    tps = (tpi / sec) if (tpi and sec) else None
    failure = None
    if st.state == jobs.FAILED:
        failure = logs.classify_failure("\n".join(watch.lines), st.exit_code) or logs.classify_failure(
            logs.tail(jobs.log_path(watch.job_dir), 2000), st.exit_code) or st.detail  # Slurm's own reason
    n = len(watch.lines)
    tail_text = "\n".join(watch.lines[i] for i in range(max(0, n - SHOWN_LINES), n))
    return Snapshot(watch.job_dir, st, prog, tail_text, tps, sec, prog.last.get("memory"), failure,
                    watch.preparation.phase, watch)


def samples_from_log(text: str) -> list[str]:
    """The decoded prompt+answer blocks printed after ``Sample output:`` lines."""
    out: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if SAMPLE_RE.search(line):
            if current:
                out.append("\n".join(current).strip())
            current = []
            continue
        if current is not None:
            if " - mmengine - " in line:
                out.append("\n".join(current).strip())
                current = None
            else:
                current.append(line)
    if current:
        out.append("\n".join(current).strip())
    return [s for s in out if s]


def sample_timeline(run_dir: Path) -> list[tuple[int, str]]:
    """In-training sample answers by iteration (EvaluateChatHook's eval_outputs files)."""
    return logs.eval_outputs(RunPaths(Path(run_dir)).work_dir)


# The logged lr counts as "far below" the schedule under this share of it. A warmup of exactly one
# iteration keeps it at start_factor x (1e-5 x in XTuner's presets); a working one is at 1 x.
LR_FAR_BELOW = 0.1
# Rows whose scheduled lr is under this share of the config's lr (the cosine's very end) say little.
LR_TAIL = 0.05


@dataclass(frozen=True)
class LowLr:
    """The learning rate stayed far below what the config's schedule gives after its warmup."""

    logged: float  # the highest lr logged after the warmup
    iteration: int  # where it was logged
    configured: float  # the config's lr
    warmup: int  # warmup iterations


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def low_lr(run_dir: Path, rows: list[dict], total: int | None) -> LowLr | None:
    """Whether the lr logged in ``rows`` (scalars.json) after the warmup stays far below the schedule.

    The schedule is the presets' one: a warmup of ``int(warmup_ratio * max_epochs * epoch_length)``
    iterations up to ``lr``, then a cosine down to 0 by iteration ``total``. Only rows past the
    warmup and before the cosine's last few percent are compared; with none yet, or without the
    config's numbers or the run's length, there is no claim.
    """
    if not total or not rows:
        return None
    settings = run_settings(run_dir)
    lr = _number(settings.get("lr"))
    ratio = _number(settings.get("warmup_ratio")) or 0.0
    epochs = _number(settings.get("max_epochs"))
    if not lr or lr <= 0:
        return None
    warmup = int(ratio * epochs * (total // int(epochs))) if epochs and epochs >= 1 else int(ratio * total)
    best: tuple[float, float, int] | None = None  # (logged / scheduled, logged, iteration)
    for row in rows:
        it, logged = row.get("iter"), _number(row.get("lr"))
        if not isinstance(it, int) or logged is None or it <= warmup or it > total:
            continue
        scheduled = lr * (1 + math.cos(math.pi * (it - warmup) / max(total - warmup, 1))) / 2
        if scheduled < LR_TAIL * lr:
            continue
        share = logged / scheduled
        if best is None or share > best[0]:
            best = (share, logged, it)
    if best is None or best[0] >= LR_FAR_BELOW:
        return None
    return LowLr(logged=best[1], iteration=best[2], configured=lr, warmup=warmup)


@dataclass(frozen=True)
class RunSummary:
    name: str
    path: Path
    state: str
    exit_code: int | None
    started: float | None
    duration: float | None
    config: str
    dataset_hash: str | None
    final_loss: float | None
    iterations: int | None
    sec_per_iter: float | None


_SUMMARIES: dict[Path, tuple[tuple, RunSummary, float]] = {}


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def summarize(run_dir: Path) -> RunSummary:
    """One line of the run history (a resumed run: all its attempts, :mod:`core.attempts`); worked
    out again only when the run's state or files changed."""
    run_dir = Path(run_dir)
    st = jobs.status(run_dir)
    files = [run_dir / "job.json", jobs.log_path(run_dir), run_dir / "attempts",
             *logs.scalars_files(RunPaths(run_dir).work_dir)]
    key = (st.state, st.exit_code, st.started, *(_stat_key(f) for f in files))
    with _CACHE_LOCK:
        hit = _SUMMARIES.get(run_dir)
    if hit and hit[0] == key:
        # a running job's duration grows without a file changing; earlier attempts' time does not
        return replace(hit[1], duration=(st.elapsed or 0.0) + hit[2] if st.started else None)
    earlier = attempts.history(run_dir).earlier_seconds
    summary = _summarize(run_dir, st, earlier)
    with _CACHE_LOCK:
        _SUMMARIES[run_dir] = (key, summary, earlier)
    return summary


def _summarize(run_dir: Path, st: jobs.JobStatus, earlier: float) -> RunSummary:
    meta = st.record.get("meta", {})
    rows = logs.read_scalars(RunPaths(run_dir).work_dir)
    times = [r["time"] for r in rows if isinstance(r.get("time"), (int, float))]
    iterations = rows[-1].get("iter") if rows else None
    if st.state == jobs.SUCCEEDED:  # the log shows every 10th iteration; a finished run did them all
        total = logs.update_progress(logs.Progress(), logs.tail(jobs.log_path(run_dir), 60)).total
        iterations = total or iterations
    return RunSummary(
        name=run_dir.name, path=run_dir, state=st.state, exit_code=st.exit_code, started=st.started,
        duration=(st.elapsed or 0.0) + earlier if st.started else None,
        config=Path(meta.get("source_config") or "config.py").name,
        dataset_hash=meta.get("dataset_hash"),
        final_loss=rows[-1].get("loss") if rows else None,
        iterations=iterations,
        sec_per_iter=statistics.median(times) if times else None,
    )


@dataclass(frozen=True)
class Speed:
    """How fast training went here: the median seconds per iteration of a run, and its settings."""

    seconds_per_iter: float
    run: str
    max_length: int | None
    batch_size: int | None
    gpus: int | None


def measured_speed(run_dirs: list[Path]) -> Speed | None:
    """The newest succeeded run's speed (``run_dirs`` newest first), for time estimates."""
    for run_dir in run_dirs:
        try:
            s = summarize(run_dir)
        except Exception:  # a broken job record is just not a measurement
            continue
        if s.state == jobs.SUCCEEDED and s.sec_per_iter:
            meta = jobs.status(run_dir).record.get("meta", {})
            return Speed(s.sec_per_iter, Path(run_dir).name, meta.get("max_length"), meta.get("batch_size"),
                         meta.get("gpus"))
    return None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

