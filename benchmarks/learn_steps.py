"""How many training steps the demo model needs to learn the identity answer.

Builds the dataset page's default dataset (built-in questions in Chinese for one owner, repeated
R times, the built-in general conversations mixed in at the slider's default 50 %), writes the
config page's default config for the demo model on CPU, trains it for real and reads XTuner's
last sample answers: does the answer to each identity question name the owner? Prints one line
per R: records, the plan's iterations, the run's own total, minutes, learnt or not, the answer.

    .venv/bin/python benchmarks/learn_steps.py 1 3 10 30

Sequential and slow (one real CPU training per R); the numbers go next to
``core.learning.DEMO_STEPS_NEEDED``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config, dataset, general_library, identity, jobs, learning, monitor, plan, runs  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import Workspace  # noqa: E402

OWNER = "小明"


def one(tmp: Path, model: Path, repeat: int) -> str:
    ws = Workspace.resolve(tmp / f"ws-{repeat}")
    ws.update_settings(base_model=str(model))
    ident = identity.Identity(OWNER)
    ident_records = dataset.records_from_rows(identity.library_rows(ident), repeat)
    mixed = dataset.mix(ident_records, general_library.general_records("zh"), 0.5)
    dataset.save(ws.dataset_path, mixed.records)
    cfg_path = ws.configs_dir / f"{config.DEFAULT_PRESET}_copy.py"
    cfg_path.write_text(config.tutorial_config(str(model), str(ws.dataset_path), cpu=True, demo=True), "utf-8")
    planned = plan.plan_for_config(cfg_path, mixed.records)
    started = time.time()
    run_dir = runs.start_training(ws, cfg_path, seed=0)
    while jobs.status(run_dir).active:
        time.sleep(2)
    minutes = (time.time() - started) / 60
    state = jobs.status(run_dir).state
    total = monitor.run_total_iterations(run_dir)
    verdict = learning.judge_run(run_dir, [OWNER])
    answer = verdict.answers[0][1][:60] if verdict and verdict.answers else "-"
    return (f"repeat={repeat} records={len(mixed.records)} plan_total={planned.total if planned else '?'} "
            f"run_total={total} state={state} minutes={minutes:.1f} "
            f"learnt={verdict.learnt if verdict else None} answer={answer!r}")


def main(argv: list[str]) -> None:
    repeats = [int(a) for a in argv] or [1, 3, 10, 30]
    with tempfile.TemporaryDirectory() as tmp:
        model = make_demo_model(Path(tmp) / "demo-tiny-llama")
        for r in repeats:
            print(one(Path(tmp), model, r), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
