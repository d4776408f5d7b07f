"""Importing a 150 MB dataset file (300,000 rows): seconds and memory, from the upload to the saved dataset.

Run: ``.venv/bin/python benchmarks/bench_import.py`` (``--rows N``, ``--format json|jsonl|csv``,
``--keep-file`` to reuse the generated file). It writes an alpaca file (half the rows Chinese,
half English, ~500 bytes a row) to a temporary folder, holds its bytes in memory as Streamlit
holds an upload, then measures what the dataset page does with it:

1. scan: counts, a preview and the first problems, with progress (what the page shows first);
2. add: every record read, as when the person adds them as general conversations (the upload
   is still held); then the upload is dropped, as the page does after an add;
3. build and save: the page's check of the dataset (mix, problems, statistics, content key) and
   its Save (the dataset file, the builder's state with the general conversations, the snapshot
   kept for restoring), once with the question table's default rows (the general conversations
   sampled to half the dataset) and once with an empty table (all of them in the dataset);
4. next visit: the saved general conversations read back (a new session opening the page);
5. drop: everything freed and memory given back (``core.memtrim``).

Prints seconds and peak RSS growth over the process's size before the upload arrived; the
target is every step under 15 s with the growth at most 2x the file (the upload's bytes included).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import dataset, dataset_io, dataset_versions, identity, memtrim  # noqa: E402
from core import dataset_stats as dstats  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Peak:
    """The highest RSS seen while the block runs (sampled every 5 ms)."""

    def __enter__(self) -> Peak:
        self.peak, self._stop = rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def make_file(path: Path, rows: int, fmt: str) -> None:
    rng = random.Random(0)
    words = "the quick brown fox jumps over a lazy dog while the model learns data answers question".split()
    zh = "我是小助手今天天气很好请问你叫什么名字训练数据模型回答问题学习知识帮助朋友"

    def text(n: int, chinese: bool) -> str:
        return "".join(rng.choice(zh) for _ in range(n // 3)) if chinese else " ".join(
            rng.choice(words) for _ in range(n // 5))

    with open(path, "w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            f.write("instruction,output\n")
        elif fmt == "json":
            f.write("[\n")
        for i in range(rows):
            q, a = text(120, i % 2 == 0), text(330, i % 2 == 0)
            if fmt == "csv":
                f.write(f'"{q}","{a}"\n')
                continue
            line = json.dumps({"instruction": q, "input": "", "output": a}, ensure_ascii=False)
            f.write(line + ("\n" if fmt == "jsonl" else ",\n" if i < rows - 1 else "\n"))
        if fmt == "json":
            f.write("]\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--format", choices=["json", "jsonl", "csv"], default="json")
    ap.add_argument("--keep-file", action="store_true", help="reuse the file from an earlier run")
    args = ap.parse_args()
    path = Path(tempfile.gettempdir()) / f"bench_import_{args.rows}.{args.format}"
    if not (args.keep_file and path.exists()):
        t0 = time.perf_counter()
        make_file(path, args.rows, args.format)
        print(f"made {path} in {time.perf_counter() - t0:.1f} s")
    size_mb = path.stat().st_size / 2**20
    gc.collect()
    idle = rss_mb()
    print(f"file: {size_mb:.1f} MB, {args.rows:,} rows ({args.format}); process before the upload: {idle:.0f} MB")

    import io

    upload = io.BytesIO(path.read_bytes())  # Streamlit keeps an upload's bytes in memory like this
    print(f"{'upload held in memory':<44} {'':>8} {rss_mb() - idle:8.0f} MB over idle")
    ticks: list[float] = []
    with Peak() as peak:
        t0, c0 = time.perf_counter(), time.process_time()
        res = dataset_io.read_stream(upload, len(upload.getbuffer()), path.name, keep=False, progress=ticks.append)
        scan_s, scan_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert res.fatal is None and res.usable == args.rows, (res.fatal, res.usable)
    scan_peak = peak.peak - idle
    print(f"{'scan (counts, preview, progress)':<44} {scan_s:7.2f} s {scan_peak:8.0f} MB peak over idle "
          f"({scan_peak / size_mb:.2f}x the file; {scan_cpu:.2f} s CPU; {len(ticks)} progress updates)")
    del res
    with Peak() as peak:
        t0, c0 = time.perf_counter(), time.process_time()
        res = dataset_io.read_stream(upload, len(upload.getbuffer()), path.name, keep=True)
        add_s, add_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(res.records) == args.rows
    steps = [("scan", scan_s, scan_peak)]  # (what, seconds, peak growth in MB)
    report(steps, "add (every record read, upload still held)", add_s, peak.peak - idle, size_mb,
           f"{add_cpu:.2f} s CPU")
    general = [] + res.records  # the page's general conversations, as after its add
    del upload, res  # the page empties the uploader after an add, and drops Streamlit's copy
    memtrim.release()
    print(f"{'records kept (the upload dropped)':<44} {'':>8} {rss_mb() - idle:8.0f} MB over idle "
          f"({(rss_mb() - idle) / size_mb:.2f}x the file)")
    ident = identity.Identity("小明", "小智", langs="both")
    table = identity.library_rows(ident)
    with tempfile.TemporaryDirectory() as ws:
        dataset_path = Path(ws) / "assistant.json"
        for label, rows in (("table's rows", table), ("empty table", [])):
            with Peak() as peak:
                t0, c0 = time.perf_counter(), time.process_time()
                n = build_and_save(dataset_path, ident, rows, general)
                save_s, save_cpu = time.perf_counter() - t0, time.process_time() - c0
            report(steps, f"build and save, {label} ({n:,} records)", save_s, peak.peak - idle, size_mb,
                   f"{save_cpu:.2f} s CPU; dataset file {dataset_path.stat().st_size / 2**20:.0f} MB")
        del general
        memtrim.release()
        with Peak() as peak:
            t0, c0 = time.perf_counter(), time.process_time()
            _, general = dataset.load_builder(dataset_path)
            load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(general) == args.rows
        report(steps, "next visit (general conversations read back)", load_s, peak.peak - idle, size_mb,
               f"{load_cpu:.2f} s CPU; {rss_mb() - idle:.0f} MB held")
    del general
    t0 = time.perf_counter()
    memtrim.release()
    print(f"{'drop (freed, memory given back)':<44} {time.perf_counter() - t0:7.2f} s {rss_mb() - idle:8.0f} MB "
          "over idle after")
    worst = max(steps, key=lambda st: st[2])
    met = all(sec < 15 and grown <= 2 * size_mb for _, sec, grown in steps)
    print(f"target (every step < 15 s, peak <= 2x the file = {2 * size_mb:.0f} MB): {'met' if met else 'NOT met'}; "
          f"highest: {worst[0]} {worst[2]:.0f} MB ({worst[2] / size_mb:.2f}x), slowest: "
          f"{max(sec for _, sec, _ in steps):.1f} s")


def report(steps: list, label: str, seconds: float, grown: float, size_mb: float, extra: str) -> None:
    steps.append((label, seconds, grown))
    print(f"{label:<44} {seconds:7.2f} s {grown:8.0f} MB peak over idle ({grown / size_mb:.2f}x the file; {extra})")


def build_and_save(dataset_path: Path, ident, rows: list[dict[str, str]], general) -> int:
    """What the dataset page does with its general conversations: check the mix (pages/dataset.py's
    build), then Save (its save_now)."""
    mixed = dataset.mix(dataset.records_from_rows(rows, 100), general, 0.5)
    problems = dataset.validate(mixed.records)
    valid = dataset.without_problems(mixed.records, problems)
    dstats.content_key(valid)
    dstats.stats(valid, dstats.identity_matcher({r["question"] for r in rows}, (ident.name, ident.owner)))
    dataset.save(dataset_path, valid)
    state = {"dataset.owner": ident.owner, "dataset.name": ident.name, "rows": rows}
    dataset.save_builder(dataset_path, state, general)
    dataset_versions.keep_snapshot(dataset_path, state, general)
    return len(valid)


if __name__ == "__main__":
    main()
