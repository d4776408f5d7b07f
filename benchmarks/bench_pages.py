"""How long each page takes to render on the server, with one run and with 20 runs.

Run: ``.venv/bin/python benchmarks/bench_pages.py`` (options: ``--runs 20 --repeat 5
--workspace DIR`` to keep and reuse the built workspace).

The workspace holds the demo model, a small tutorial dataset, a CPU config and one real
finished run (a short XTuner training through core, then convert & merge); that run folder
is copied to make the others (paths inside the job records rewritten), which is what a
workspace looks like after weeks of use. Each page is run headlessly with AppTest
(``AppTest.from_file(page).run()``), ``--repeat`` times in one process; the table gives the
first (cold caches) and the median (warm) seconds per page, for 1 run and for N runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config, dataset, jobs, runs  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import ENV_VAR, Workspace  # noqa: E402

PAGES = ["app.py", "pages/home.py", "pages/dataset.py", "pages/config.py", "pages/train.py", "pages/convert.py",
         "pages/chat.py"]
OWNER = "测试同学"


def wait(job_dir: Path, timeout: float = 1800) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = jobs.status(job_dir).state
        if state not in jobs.ACTIVE:
            return state
        time.sleep(1)
    jobs.stop(job_dir)
    raise SystemExit(f"{job_dir} did not finish in {timeout} s")


def build_one(root: Path) -> Workspace:
    """A workspace with one real finished, converted and merged run."""
    ws = Workspace.resolve(root)
    if any((d / "convert" / "exit.json").exists() for d in ws.run_dirs()):
        return ws
    model = make_demo_model(ws.demo_model_dir)
    ws.update_settings(base_model=str(model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, 20))
    cfg = ws.configs_dir / "internlm2_chat_1_8b_qlora_alpaca_e3_copy.py"
    cfg.write_text(config.tutorial_config(str(model), str(ws.dataset_path), cpu=True, demo=True), encoding="utf-8")
    ws.update_settings(config=str(cfg))
    t0 = time.time()
    run_dir = runs.start_training(ws, cfg, seed=0)
    print(f"training the first run ({run_dir.name}) ...", flush=True)
    if wait(run_dir) != jobs.SUCCEEDED:
        raise SystemExit(f"training failed; see {jobs.log_path(run_dir)}")
    if wait(runs.start_convert(ws, run_dir)) != jobs.SUCCEEDED:
        raise SystemExit(f"convert failed; see {jobs.log_path(run_dir / 'convert')}")
    print(f"  trained, converted and merged in {time.time() - t0:.0f} s", flush=True)
    return ws


def copy_runs(src_ws: Workspace, dst: Path, n: int) -> Workspace:
    """``dst``: the same workspace with ``n`` runs (copies of the first, paths rewritten)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src_ws.root, dst, symlinks=True)
    ws = Workspace.resolve(dst)
    ws.update_settings(base_model=src_ws.settings()["base_model"], config=str(
        ws.configs_dir / Path(src_ws.settings()["config"]).name))
    first = ws.run_dirs()[0]
    stem = first.name.rsplit("-", 1)[0]  # "YYYYmmdd-HHMMSS"
    for i in range(1, n):
        copy = ws.runs_dir / f"{stem}-train-{i:02d}"
        shutil.copytree(first, copy, symlinks=True)
        for path in copy.rglob("*"):
            if path.is_file() and (path.suffix in (".json", ".py") or path.name == "last_checkpoint"):
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                if str(first) in text:
                    path.write_text(text.replace(str(first), str(copy)), encoding="utf-8", errors="surrogateescape")
    return ws


def time_pages(ws: Workspace, repeat: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    os.environ[ENV_VAR] = str(ws.root)
    out: dict[str, list[float]] = {}
    for page in PAGES:
        times = []
        for _ in range(repeat):
            at = AppTest.from_file(str(ROOT / page), default_timeout=300)
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
            if at.exception:
                raise SystemExit(f"{page} raised: {at.exception[0].message}")
        out[page] = times
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workspace", type=Path, help="build (or reuse) the one-run workspace here")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    base = build_one(args.workspace or tmp / "one")
    many = copy_runs(base, tmp / "many", args.runs)
    print(f"workspaces: {base.root} (1 run), {many.root} ({len(many.run_dirs())} runs, "
          f"{sum(f.stat().st_size for f in many.runs_dir.rglob('*') if f.is_file()) / 2**20:,.0f} MB)")

    one_t = time_pages(base, args.repeat)
    many_t = time_pages(many, args.repeat)
    print(f"\nserver-side render, seconds (AppTest .run(), {args.repeat} runs each; median = warm caches)")
    head = f"{'page':<20} {'1 run: first':>13} {'median':>8} {f'{args.runs} runs: first':>16} {'median':>8} {'max':>7}"
    print(head)
    print("-" * len(head))
    for page in PAGES:
        a, b = one_t[page], many_t[page]
        print(f"{page:<20} {a[0]:13.3f} {statistics.median(a):8.3f} {b[0]:16.3f} {statistics.median(b):8.3f} "
              f"{max(b):7.3f}")
    if not args.workspace:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        shutil.rmtree(tmp / "many", ignore_errors=True)


if __name__ == "__main__":
    main()
