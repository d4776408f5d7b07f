"""How many training steps the demo model needs to learn the identity answer.

Builds the dataset page's default dataset (the 26 built-in Chinese questions for owner 小明,
repeated R times, the built-in general conversations mixed in at the slider's default 50 %),
writes the config page's default config for the demo model on CPU (core.config.DEMO_SETTINGS,
sample answers of up to 64 tokens), trains it for real and reads XTuner's sample answers, asked
before training, every ``evaluation_freq`` (25) iterations and at the end: does the answer to
"请介绍一下你自己" name the owner? Prints, per R, the plan's and the run's total and one line per
round of sample answers.

    .venv/bin/python benchmarks/learn_steps.py 1 3 30

Sequential and slow (one real CPU training per R); the numbers go next to
``core.learning.DEMO_STEPS_LEARNT``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import config, dataset, general_library, identity, jobs, learning, logs, plan, runs  # noqa: E402
from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import Workspace  # noqa: E402

OWNER = "小明"


def sample_rounds(log_text: str, questions: list[str]) -> list[list[str]]:
    """The answers of each round of "Sample output:" blocks in the log (before training first)."""
    blocks, current = [], None
    for line in log_text.splitlines():
        if line.endswith("Sample output:"):
            if current is not None:
                blocks.append("\n".join(current))
            current = []
        elif current is not None and (" - mmengine - " in line or line.startswith("==> ")):
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        blocks.append("\n".join(current))
    answers = [learning.answers_from_sample(f"Eval output 1:\n{b}", [q], "internlm2_chat")[0][1]
               for b, q in zip(blocks, questions * len(blocks), strict=False)]
    n = len(questions)
    return [answers[i:i + n] for i in range(0, len(answers), n)]


def one(tmp: Path, model: Path, repeat: int) -> None:
    ws = Workspace.resolve(tmp / f"ws-{repeat}")
    ws.update_settings(base_model=str(model))
    ident = dataset.records_from_rows(identity.library_rows(identity.Identity(OWNER)), repeat)
    mixed = dataset.mix(ident, general_library.general_records("zh"), 0.5)
    dataset.save(ws.dataset_path, mixed.records)
    cfg_path = ws.configs_dir / f"{config.DEFAULT_PRESET}_copy.py"
    text = config.tutorial_config(str(model), str(ws.dataset_path), cpu=True, demo=True)
    cfg_path.write_text(config.render(text, {}, sample_max_new_tokens=64), "utf-8")
    planned = plan.plan_for_config(cfg_path)
    started = time.time()
    run_dir = runs.start_training(ws, cfg_path, seed=0)
    while jobs.status(run_dir).active:
        time.sleep(2)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    total = logs.update_progress(logs.Progress(), log_text).total
    freq = config.DEMO_SETTINGS["evaluation_freq"]
    print(f"repeat={repeat} records={len(mixed.records)} plan_total={planned.total} run_total={total} "
          f"state={jobs.status(run_dir).state} minutes={(time.time() - started) / 60:.1f}", flush=True)
    rounds = sample_rounds(log_text, config.IDENTITY_QUESTIONS)
    for i, answers in enumerate(rounds):
        step = min(i * freq, total)  # before training, every 25 iterations, the last one, after training
        zh = re.sub(r"\s+", " ", answers[0])[:50]
        print(f"  step {step:>4}: names {OWNER}: {OWNER in answers[0]!s:<5} {zh!r}", flush=True)
    verdict = learning.judge_run(run_dir)
    print(f"  verdict on the last samples: learnt={verdict.learnt if verdict else None}", flush=True)


def main(argv: list[str]) -> None:
    repeats = [int(a) for a in argv] or [1, 3, 30]
    keep = os.environ.get("LEARN_STEPS_DIR")  # keep the workspaces (run logs) there
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(keep or tmp)
        model = make_demo_model(base / "demo-tiny-llama")
        for r in repeats:
            one(base, model, r)


if __name__ == "__main__":
    main(sys.argv[1:])
