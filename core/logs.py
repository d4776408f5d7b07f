"""Read what XTuner writes: log lines, ``scalars.json``, sample answers; explain failures.

Logs are read incrementally from a remembered byte offset, so watching a 1 GB log costs
the same as a 1 KB one. Everything here is plain parsing of files on disk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ITER_RE = re.compile(r"Iter\(train\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\](.*)")
KV_RE = re.compile(r"([A-Za-z_][\w/]*):\s*([-+]?(?:nan|inf|[0-9.eE:+-]+))", re.I)
LINE_TIME_RE = re.compile(r"(\d\d/\d\d \d\d:\d\d:\d\d) - ")  # the time mmengine puts before a line
ETA_RE = re.compile(r"eta:\s*((?:\d+ days?, )?\d+:\d\d:\d\d)")
TAIL_CHUNK = 64 * 1024


def read_from(path: Path, offset: int, max_bytes: int = 1 << 20, ends: bytes = b"\n") -> tuple[str, int]:
    """Text appended to ``path`` since ``offset`` (at most ``max_bytes``), and the new offset.

    Only whole lines are returned; a partial last line waits for the next call. Any byte of
    ``ends`` ends a line (``b"\n\r"`` also hands over each state of a progress bar). If the
    file shrank (rotated or replaced), reading restarts from the beginning.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        return "", offset
    if size < offset:
        offset = 0
    if size == offset:
        return "", offset
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(max_bytes)
    cut = max(data.rfind(bytes([end])) for end in ends)
    if cut < 0:
        if len(data) < max_bytes:
            return "", offset  # a line still being written
        cut = len(data) - 1  # one enormous line: hand it over in pieces rather than stall
    data = data[: cut + 1]
    return data.decode("utf-8", errors="replace"), offset + len(data)


def unterminated(path: Path, offset: int, max_bytes: int) -> str:
    """The text after ``offset`` when it is one line without its end yet (at most ``max_bytes``), else ""."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(max_bytes + 1)
    except OSError:
        return ""
    if not data or len(data) > max_bytes or b"\n" in data or b"\r" in data:
        return ""
    return data.decode("utf-8", errors="replace")


def tail_offset(path: Path, max_bytes: int) -> int:
    """A line-aligned offset about ``max_bytes`` before the end of the file (0 for small files)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return 0
    if size <= max_bytes:
        return 0
    with open(path, "rb") as f:
        f.seek(size - max_bytes)
        f.readline()
        return f.tell()


def tail(path: Path, max_lines: int = 200) -> str:
    """The last ``max_lines`` lines of a file, reading only its end."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            chunk = b""
            pos = size
            while pos > 0 and chunk.count(b"\n") <= max_lines:
                step = min(TAIL_CHUNK, pos)
                pos -= step
                f.seek(pos)
                chunk = f.read(step) + chunk
    except OSError:
        return ""
    lines = chunk.decode("utf-8", errors="replace").splitlines()
    return "\n".join(lines[-max_lines:])


@dataclass
class Progress:
    """What the training log says so far."""

    iteration: int = 0
    total: int = 0
    eta: str | None = None
    eta_logged: str | None = None  # the ``MM/DD HH:MM:SS`` of the line that gave ``eta`` (core.eta reads it)
    last: dict[str, float] = field(default_factory=dict)
    train_samples: int | None = None
    checkpoints: list[int] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return min(1.0, self.iteration / self.total) if self.total else 0.0


def parse_iter_line(line: str) -> tuple[int, int, dict[str, str]] | None:
    m = ITER_RE.search(line)
    if not m:
        return None
    rest = m.group(3)
    values = {k: v for k, v in KV_RE.findall(ETA_RE.sub("", rest))}
    eta = ETA_RE.search(rest)
    if eta:
        values["eta"] = eta.group(1)
    return int(m.group(1)), int(m.group(2)), values


def update_progress(progress: Progress, text: str) -> Progress:
    """Fold newly read log text into ``progress``."""
    for line in text.splitlines():
        parsed = parse_iter_line(line)
        if parsed:
            progress.iteration, progress.total, values = parsed
            if "eta" in values:
                progress.eta = values.pop("eta")
                stamp = LINE_TIME_RE.search(line)
                progress.eta_logged = stamp.group(1) if stamp else None
            for k, v in values.items():
                try:
                    progress.last[k] = float(v)
                except ValueError:
                    pass
            continue
        m = re.search(r"Num train samples (\d+)", line)
        if m:
            progress.train_samples = int(m.group(1))
        m = re.search(r"Saving checkpoint at (\d+) iterations", line)
        if m:
            progress.checkpoints.append(int(m.group(1)))
    return progress


def scalars_files(work_dir: Path) -> list[Path]:
    """``vis_data/scalars.json`` files of a work dir, oldest run first (resumes add more)."""
    return sorted(Path(work_dir).glob("*/vis_data/scalars.json"))


def _scalar_rows(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("iter"), (int, float)):
            rows.append(row)
    return rows


def _after_resume(rows: list[dict], found: list[dict]) -> list[dict]:
    """``rows`` (the earlier starts' rows) with a later start's ``found`` rows: a resume goes back
    to its checkpoint, so its rows replace what the earlier start logged from its first step on."""
    if not found:
        return rows
    first = min(r["iter"] for r in found)
    return sorted([r for r in rows if r["iter"] < first] + found, key=lambda r: r["iter"])


def read_scalars(work_dir: Path) -> list[dict]:
    """All logged scalar rows of a work dir, in iteration order; bad lines are skipped.

    Each start of XTuner (a resume too) logs into a folder of its own. A resume goes back to
    its checkpoint, so from its first row on it replaces what the stopped start had logged after
    that checkpoint: one line from step 0, no step twice.
    """
    rows: list[dict] = []
    for path in scalars_files(work_dir):
        rows = _after_resume(rows, _scalar_rows(path.read_text(encoding="utf-8", errors="replace")))
    return rows


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class ScalarsReader:
    """The rows of a work dir's ``scalars.json`` files, read incrementally (only appended lines)."""

    work_dir: Path
    offsets: dict[Path, int] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    by_file: dict[Path, list[dict]] = field(default_factory=dict)
    version: int = 0  # grows whenever rows were added

    def update(self) -> bool:
        """Read what was appended since the last call; whether any row came."""
        files = scalars_files(self.work_dir)
        if any(_size(p) < self.offsets.get(p, 0) for p in files):  # a file was replaced: start over
            self.offsets, self.by_file = {}, {}
        came = False
        for path in files:
            text, self.offsets[path] = read_from(path, self.offsets.get(path, 0), max_bytes=64 << 20)
            new = _scalar_rows(text)
            if new:
                self.by_file[path] = self.by_file.get(path, []) + new
                came = True
        if not came:
            return False
        rows: list[dict] = []
        for path in files:  # each start of XTuner in its own folder, in order (see read_scalars)
            rows = _after_resume(rows, self.by_file.get(path, []))
        self.rows = rows
        self.version += 1
        return True


def eval_outputs(work_dir: Path) -> list[tuple[int, str]]:
    """Sample answers written by EvaluateChatHook: ``(iteration, text)``, in order."""
    found = []
    for path in Path(work_dir).glob("*/vis_data/eval_outputs_iter_*.txt"):
        m = re.search(r"eval_outputs_iter_(\d+)\.txt$", path.name)
        if m:
            found.append((int(m.group(1)), path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


# Known failures: (log pattern, key of the plain-language explanation in ui strings).
FAILURE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Several nodes (Slurm or by hand) and Slurm's own errors, before the generic ones below.
    (re.compile(r"does not see the run folder", re.I), "fail.shared_disk"),
    (re.compile(r"(DUE TO TIME LIMIT|time limit exceeded)", re.I), "fail.slurm_time_limit"),
    (re.compile(r"(Detected \d+ oom[_-]kill event|oom_kill|Exceeded job memory limit)", re.I), "fail.slurm_oom"),
    (re.compile(r"(DUE TO NODE FAILURE|DUE TO PREEMPTION|Node failure on)", re.I), "fail.slurm_node"),
    (re.compile(r"CUDA out of memory|OutOfMemoryError", re.I), "fail.oom"),
    # datasets' worker processes could not rebuild the tokenizer (seen with InternLM2's fast
    # tokenizer on a GPU host: its post-processor's module was not importable in the workers)
    (re.compile(r"(No module named '(processors|decoders|normalizers|pre_tokenizers|transformers_modules)[.']|"
                r"One of the subprocesses has abruptly died during map)", re.I), "fail.tokenize_workers"),
    (re.compile(r"No space left on device", re.I), "fail.disk_full"),
    (re.compile(r"size mismatch for|Error\(s\) in loading state_dict for Peft|does not match the base model", re.I),
     "fail.adapter_mismatch"),
    (re.compile(r"(PytorchStreamReader failed|invalid load key|unexpected EOF|failed finding central directory|"
                r"Ran out of input|checkpoint.*(not found|No such file))", re.I), "fail.checkpoint"),
    (re.compile(r"(Incorrect path_or_model_id|is not a local folder|Can't load (the )?(tokenizer|config)|"
                r"does not appear to have a file named config\.json|"
                r"We couldn't connect to 'https://huggingface\.co')", re.I),
     "fail.model_path"),
    (re.compile(r"(requires? (a )?(CUDA|GPU)|No GPU found|Torch not compiled with CUDA|"
                r"bitsandbytes.*(CUDA|GPU)|load_in_4bit.*(cuda|gpu))", re.I), "fail.no_gpu"),
    (re.compile(r"end should be larger than begin", re.I), "fail.warmup"),
    (re.compile(r"(bitsandbytes|triton\.ops)", re.I), "fail.bitsandbytes"),
    (re.compile(r"(JSONDecodeError|DatasetGenerationError|An error occurred while generating the dataset|"
                r"KeyError: 'conversation'|Couldn't find a dataset script|FileNotFoundError: .*(json|data))", re.I),
     "fail.dataset"),
    # Last: a process that lost its peers; the peer's own error (above) says more when the log has it.
    (re.compile(r"(waiting for clients\.? \d+/\d+ clients joined|\d+/\d+ clients joined|"
                r"RendezvousTimeoutError|Timed out waiting for.*(nodes|workers|agents)|"
                r"The node .* has failed to (join|rendezvous))", re.I), "fail.node_missing"),
    (re.compile(r"(DistNetworkError|DistStoreError|RendezvousConnectionError|Connection (reset|refused) by peer|"
                r"NCCL (error|WARN.*timeout)|ncclInternalError|ncclSystemError|Watchdog caught collective operation "
                r"timeout|socket has timed out|Timed out initializing process group|Gloo connectFullMesh failed|"
                r"torch\.distributed\.DistBackendError)", re.I), "fail.dist_timeout"),
    # Slurm's own error lines, when nothing above explains them.
    (re.compile(r"(srun: error:|slurmstepd: error:|sbatch: error:)", re.I), "fail.slurm"),
]


def classify_failure(log_text: str, exit_code: int | None) -> str | None:
    """The key of a plain explanation for a failed job, or None when nothing matched."""
    for pattern, key in FAILURE_PATTERNS:
        if pattern.search(log_text):
            return key
    if exit_code in (-9, 137):
        return "fail.killed"
    return None
