"""One demo training on CPU, start to exit: where its seconds go, with and without the in-process maps.

Run: ``.venv/bin/python benchmarks/bench_train_start.py [--pooled] [--records N]``. The first run makes
the demo model, the tutorial's dataset (``N`` records a pair, 100 unless told) and the app's CPU config
in ``/tmp/bench_train_start`` and reuses them after (not the mapped data: every run maps it, as a
workspace's first run does). It then trains once through the app's XTuner
launcher (``core/xtuner_launcher.py``), as the app does, and prints the seconds until XTuner's config
is read (process start and imports), until the data is ready (``Num train samples``), until the first
step, and until exit, with the packed samples and the logged losses (seed 0: the same data gives the
same losses). ``--pooled`` trains the same way but leaves ``datasets`` its 32 worker processes for
every map (XTuner's own behaviour), for comparison. The training gets the app's CPU threads for the
demo model (one, :func:`core.xtuner_cli.threads_env`); ``OMP_NUM_THREADS=2 .venv/bin/python
benchmarks/bench_train_start.py`` measures it with two; two busy processes beside it
(``python3 -c "while True: pass" &`` twice) show what a shared machine does to each. Pooled vs in process:

    farm-bench -n 3 --warmup 0 --timeout 900 \\
        --vs '.venv/bin/python benchmarks/bench_train_start.py --pooled' \\
        -- .venv/bin/python benchmarks/bench_train_start.py
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config, dataset, logs, xtuner_cli  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402

HOME = Path("/tmp/bench_train_start")

POOLED = (  # the launcher with its in-process maps turned off
    "import sys; sys.path.insert(0, sys.argv[1]); from core import xtuner_launcher as L; "
    "L.map_small_datasets_in_process = lambda *a, **k: None; L.main(sys.argv[2:])"
)


def prepare(records: int) -> Path:
    home = HOME / f"r{records}"
    cfg = home / "config.py"
    if cfg.is_file():
        return cfg
    home.mkdir(parents=True, exist_ok=True)
    model = make_demo_model(home / "demo-tiny-llama")
    data = home / "data.json"
    dataset.save(data, dataset.tutorial_records("小明同学", n=records))
    cfg.write_text(config.tutorial_config(str(model), str(data), cpu=True, demo=True), encoding="utf-8")
    return cfg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pooled", action="store_true", help="keep datasets' 32 worker processes per map")
    ap.add_argument("--records", type=int, default=100, help="records per question of the tutorial's pair")
    args = ap.parse_args()
    cfg = prepare(args.records)
    work = cfg.parent / "work_dir"
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(cfg.parent / "cache", ignore_errors=True)  # a first run: nothing mapped before
    inv = xtuner_cli.train(cfg, work, seed=0, cache_dir=cfg.parent / "cache", model=cfg.parent / "demo-tiny-llama")
    argv = list(inv.argv)
    if args.pooled:
        argv = [argv[0], "-c", POOLED, str(ROOT), *argv[2:]]
    marks = {"config read": "Config:", "data ready": "Num train samples", "first step": "Iter(train)"}
    seen: dict[str, float] = {}
    samples = None
    start = time.monotonic()
    with subprocess.Popen(argv, env=inv.full_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", cwd=cfg.parent) as proc:
        for line in proc.stdout:
            for name, needle in marks.items():
                if name not in seen and needle in line:
                    seen[name] = time.monotonic() - start
            found = re.search(r"Num train samples (\d+)", line)
            samples = int(found.group(1)) if found else samples
    total = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"training failed with exit code {proc.returncode}")
    mode = "pooled (32 processes a map)" if args.pooled else "in process (the app)"
    losses = [round(r["loss"], 4) for r in logs.read_scalars(work) if "loss" in r]
    threads = inv.full_env().get("OMP_NUM_THREADS", "torch's default")
    print(f"{mode}, CPU threads {threads}: " + ", ".join(f"{k} {v:.1f} s" for k, v in seen.items())
          + f", exit {total:.1f} s; {samples} packed samples; logged losses {losses}")


if __name__ == "__main__":
    main()
