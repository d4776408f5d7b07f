"""Does micro-batching change what the model learns? Loss per optimizer step, micro-batch 1 × 16 vs 4 × 4.

Run: ``.venv/bin/python benchmarks/bench_microbatch.py [--steps 8] [--out results.json]``
(CPU, the demo model, about 2 minutes on 2 cores).

Both runs see the same 16 packed samples per optimizer step in the same order (seed 0),
in float32, with LoRA dropout 0, so the only difference is how each step's 16 samples are
split into forward passes. Each iteration's own loss is logged (mmengine's log window set
to 1), and the table also shows what mmengine's default 10-iteration window reports, which
is what the first GPU measurement read: a window of 10 iterations is 0.6 of an optimizer
step at micro-batch 1 × 16 but 2.5 steps at 4 × 4, so the smoothed curve of micro-batch 4
lags by about one step even when the learning is the same.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config as cfg  # noqa: E402
from core import dataset, jobs, logs, runs  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402
from core.pyedit import Editor, kw, set_keyword  # noqa: E402
from core.workspace import Workspace  # noqa: E402

EFFECTIVE_BATCH = 16
RECIPES = {"mb1x16": 1, "mb4x4": 4}
OWNER = "测试同学"


def make_config(ws: Workspace, model: Path, micro_batch: int, steps: int) -> Path:
    text = cfg.tutorial_config(
        str(model), str(ws.dataset_path), cpu=True, demo=True,
        extra={"batch_size": micro_batch, "accumulative_counts": EFFECTIVE_BATCH // micro_batch,
               "save_steps": 10**6, "evaluation_freq": 10**6},
    )
    text = cfg.render(text, lora={"lora_dropout": 0.0}, sample_max_new_tokens=8)
    ed = Editor(text)
    iters = steps * EFFECTIVE_BATCH // micro_batch
    ed.replace(kw(ed.assignment("train_cfg").value, "max_epochs"), f"max_iters={iters}")
    ed.replace(kw(kw(ed.assignment("default_hooks").value, "logger").value, "interval").value, "1")
    set_keyword(ed, ed.assignment("log_processor").value, "window_size", "1")
    path = ws.configs_dir / f"microbatch_{micro_batch}.py"
    path.write_text(ed.result(), encoding="utf-8")
    return path


def train(ws: Workspace, config: Path) -> list[float]:
    run_dir = runs.start_training(ws, config, seed=0)
    while jobs.status(run_dir).active:
        time.sleep(0.5)
    if jobs.status(run_dir).state != jobs.SUCCEEDED:
        print(logs.tail(jobs.log_path(run_dir), 60))
        raise SystemExit(f"training ended {jobs.status(run_dir).state}")
    rows = sorted(logs.read_scalars(runs.RunPaths(run_dir).work_dir), key=lambda r: r["iter"])
    return [r["loss"] for r in rows]


def smoothed(raw: list[float], window: int = 10) -> list[float]:
    """What mmengine's default log window reports at each iteration."""
    return [statistics.mean(raw[max(0, i - window + 1):i + 1]) for i in range(len(raw))]


def per_step(values: list[float], micro_batch: int) -> list[float]:
    k = EFFECTIVE_BATCH // micro_batch
    return [statistics.mean(values[i:i + k]) for i in range(0, len(values) - k + 1, k)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "workspace")
        ws.ensure()
        model = make_demo_model(ws.demo_model_dir)
        dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=4000))
        result: dict[str, dict] = {}
        for name, mb in RECIPES.items():
            t0 = time.time()
            raw = train(ws, make_config(ws, model, mb, args.steps))
            result[name] = {"micro_batch": mb, "iters": len(raw), "wall_s": round(time.time() - t0, 1),
                            "raw_per_step": per_step(raw, mb), "window10_per_step": per_step(smoothed(raw), mb)}
            print(f"{name}: {len(raw)} iterations in {result[name]['wall_s']} s", flush=True)
    a, b = result["mb1x16"], result["mb4x4"]
    n = min(len(a["raw_per_step"]), len(b["raw_per_step"]))
    print("\nloss per optimizer step (mean of the step's micro-batch losses), same data, float32, CPU")
    print(f"{'step':>4}  {'1×16 own':>9} {'4×4 own':>9} {'diff':>7}   {'1×16 win10':>10} {'4×4 win10':>10} {'diff':>7}")
    for s in range(n):
        ra, rb = a["raw_per_step"][s], b["raw_per_step"][s]
        wa, wb = a["window10_per_step"][s], b["window10_per_step"][s]
        print(f"{s:>4}  {ra:>9.4f} {rb:>9.4f} {rb - ra:>7.4f}   {wa:>10.4f} {wb:>10.4f} {wb - wa:>7.4f}")
    own = [abs(b["raw_per_step"][s] - a["raw_per_step"][s]) for s in range(n)]
    win = [abs(b["window10_per_step"][s] - a["window10_per_step"][s]) for s in range(n)]
    result["max_abs_diff_own"], result["max_abs_diff_window10"] = max(own), max(win)
    print(f"max |diff|: own losses {max(own):.4f}, 10-iteration window {max(win):.4f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
