"""What watching a training costs the app server: its CPU seconds per minute, with 0, 1 and 3 tabs.

Starts the real app (``streamlit run app.py`` on a free port of 127.0.0.1, a temporary
workspace with the demo model), starts a real CPU training of the demo model through core,
waits until it logs its first steps, then measures the server process's own CPU time
(user + system, from psutil) over a window with no tab open, with the train page open in
one real chromium tab (Playwright driving Debian's ``/usr/bin/chromium``), and with three.
The training is stopped at the end. Prints one line per window and a JSON summary.

    .venv/bin/python benchmarks/watch_cpu.py [--seconds 60] [--json OUT]

The training runs alongside (it is what is being watched), so on a small machine the
numbers include the server's share of a busy CPU; the training's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config, dataset, jobs, logs, runs  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import Workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
EPOCHS = 400  # long enough to outlast every window on a fast machine; stopped at the end


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(fn, timeout: float, what: str, interval: float = 0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


def prepare(root: Path) -> tuple[Workspace, Path]:
    model = make_demo_model(root / "models" / "demo-tiny-llama")
    ws = Workspace.resolve(root / "workspace")
    ws.update_settings(base_model=str(model))
    dataset.save(ws.dataset_path, dataset.tutorial_records("小明同学", 100))
    path = ws.configs_dir / "internlm2_chat_1_8b_qlora_alpaca_e3_copy.py"
    path.write_text(config.tutorial_config(str(model), str(ws.dataset_path), cpu=True, demo=True,
                                           extra={"max_epochs": EPOCHS}), encoding="utf-8")
    ws.update_settings(config=str(path))
    return ws, path


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def window(proc: psutil.Process, seconds: float, run_dir: Path) -> float:
    """CPU seconds of the server per minute over ``seconds`` of wall time."""
    c0, t0 = cpu_seconds(proc), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(proc), time.monotonic()
    if not jobs.status(run_dir).active:
        raise SystemExit("the training ended during a window: raise EPOCHS")
    return (c1 - c0) / (t1 - t0) * 60


def open_train_tab(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    ctx.set_default_timeout(180_000)
    page = ctx.new_page()
    page.goto(f"{url}/train", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stProgress"]', timeout=180_000)  # the live panel is there
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each measuring window")
    ap.add_argument("--settle", type=float, default=15.0, help="wait after opening tabs before measuring")
    ap.add_argument("--json", type=Path, help="write the numbers here too")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="watch_cpu_"))
    ws, cfg_path = prepare(tmp)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false", "--",
         "--workspace", str(ws.root)],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    run_dir = None
    results: dict[str, float] = {}
    try:
        wait_for(lambda: healthy(url), 300, "the app to answer /_stcore/health")
        proc = psutil.Process(server.pid)
        run_dir = runs.start_training(ws, cfg_path, seed=0)
        wait_for(lambda: logs.update_progress(logs.Progress(), logs.tail(jobs.log_path(run_dir), 400)).total,
                 900, "the training's first logged steps")
        print(f"training {run_dir.name} is stepping; windows of {args.seconds:.0f} s", flush=True)
        results["no tab"] = window(proc, args.seconds, run_dir)
        print(f"no tab:  {results['no tab']:.2f} CPU s per minute", flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tabs = [open_train_tab(browser, url)]
            time.sleep(args.settle)
            results["1 tab"] = window(proc, args.seconds, run_dir)
            print(f"1 tab:   {results['1 tab']:.2f} CPU s per minute", flush=True)
            tabs += [open_train_tab(browser, url) for _ in range(2)]
            time.sleep(args.settle)
            results["3 tabs"] = window(proc, args.seconds, run_dir)
            print(f"3 tabs:  {results['3 tabs']:.2f} CPU s per minute", flush=True)
            iteration = logs.update_progress(logs.Progress(), logs.tail(jobs.log_path(run_dir), 400)).iteration
            browser.close()
        summary = {k: {"cpu_s_per_min": round(v, 2), "percent_of_a_core": round(v / 60 * 100, 1)}
                   for k, v in results.items()}
        summary["iteration_at_end"] = iteration
        summary["cores"] = os.cpu_count()
        summary["load_avg_1min"] = os.getloadavg()[0]
        print(json.dumps(summary, indent=2))
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    finally:
        if run_dir is not None and jobs.status(run_dir).active:
            jobs.stop(run_dir, grace=10)
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


if __name__ == "__main__":
    main()
