"""After a training fails: the next thing to try, in one click or by itself.

Two failures have a known next step. **Out of GPU memory**: the next recipe (core.recipes) that fits,
judged by what the failed run really needed (the allocator's own numbers in the error: in use +
asked for) rather than by the estimate alone, so a model the estimate underrates gets a smaller
recipe, not the same one again. **Tokenizing processes died**: the same config with one process.

A retry is a new run of the same data, seed and GPUs, from a new config file beside the first (the
first is kept). A run started with ``auto_retry`` gets a retry by itself: its job's supervisor runs
``python core/retry.py RUN_DIR`` once it has recorded the failure; that waits until the run is over
and starts the next one (at most ``MAX_AUTO`` in a row).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script by the job's supervisor: make the app importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import attention, config, config_form, estimate, jobs, logs, recipes, runs  # noqa: E402
from core.workspace import Workspace  # noqa: E402

GIB = 2**30
MAX_AUTO = 3
_SIZE = r"([\d.]+)\s*(GiB|MiB|KiB|B)\b"
_UNITS = {"GiB": GIB, "MiB": 2**20, "KiB": 2**10, "B": 1}


@dataclass(frozen=True)
class OomFacts:
    needed: float  # bytes the run wanted: in use when it failed + the allocation that failed
    total: float | None  # the GPU's capacity, when the error says it


def _bytes(m: re.Match[str]) -> float:
    return float(m.group(1)) * _UNITS[m.group(2)]


def oom_facts(log_text: str) -> OomFacts | None:
    """What PyTorch's out-of-memory error says: ``Tried to allocate X ... total capacity of T ...
    this process has P memory in use`` (the last such error in the log)."""
    asked = list(re.finditer(r"Tried to allocate " + _SIZE, log_text))
    if not asked:
        return None
    tail = log_text[asked[-1].start():]
    in_use = re.search(r"(?:this process has|Process \d+ has) " + _SIZE + " memory in use", tail)
    total = re.search(r"total capacity of " + _SIZE, tail)
    peak_mb = [float(x) for x in re.findall(r"\bmemory: (\d+)", log_text)]  # mmengine's peak, MB
    used = _bytes(in_use) if in_use else (max(peak_mb) * 2**20 if peak_mb else 0.0)
    return OomFacts(needed=used + _bytes(asked[-1]), total=_bytes(total) if total else None)


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "recipe" or "workers"
    recipe: recipes.Recipe | None = None
    estimate: float | None = None  # bytes, scaled by what the failed run really needed
    workers: int | None = None


def _setup_of(source: str) -> dict:
    values = config.read_settings(source)
    return dict(method=config.method_of(source), micro_batch=int(values.get("batch_size") or 1),
                max_length=int(values.get("max_length") or 2048),
                checkpointing=config_form.activation_checkpointing(source),
                half_frozen=config.uses_app_hooks(source))


def suggest(run_dir: Path) -> Suggestion | None:
    """The next thing to try after this run failed, or None when nothing known would help."""
    run = runs.RunPaths(Path(run_dir))
    st = jobs.status(run.root)
    if st.state != jobs.FAILED:
        return None
    log_text = jobs.log_path(run.root).read_text(encoding="utf-8", errors="replace")
    reason = logs.classify_failure(log_text, st.exit_code)
    if reason == "fail.tokenize_workers":
        return Suggestion("workers", workers=1)
    if reason != "fail.oom":
        return None
    facts = oom_facts(log_text)
    source = run.config.read_text(encoding="utf-8")
    info = runs.meta(run.root)
    model = Path(str(info.get("model") or ""))
    shape = estimate.read_shape(model)
    if facts is None or facts.total is None or shape is None:
        return None
    setup = _setup_of(source)
    attn = attention.of_config(source) or attention.what_xtuner_picks(model, gpu=True)
    mem = lambda **kw: estimate.training_memory(shape, max_length=setup["max_length"], attention=attn, **kw).total  # noqa: E731
    current = mem(method=setup["method"], micro_batch=setup["micro_batch"], checkpointing=setup["checkpointing"],
                  half_frozen=setup["half_frozen"])
    scale = max(1.0, facts.needed / current)  # the estimate fell short by this much: trust the run
    limit = facts.total * recipes.FIT_MARGIN
    for r in recipes.RECIPES:
        need = mem(method=r.method, micro_batch=r.micro_batch, checkpointing=r.checkpointing,
                   half_frozen=r.half_frozen) * scale
        if need < facts.needed and need <= limit:  # less than what failed, and fits the card
            return Suggestion("recipe", recipe=r, estimate=need)
    return None


def retry(ws: Workspace, run_dir: Path, suggestion: Suggestion) -> Path:
    """Start the suggested retry of a failed run: same data, seed, GPUs; returns the new run folder."""
    run = runs.RunPaths(Path(run_dir))
    info = runs.meta(run.root)
    source = run.config.read_text(encoding="utf-8")
    src_name = Path(info.get("source_config") or run.config).stem
    workers = info.get("workers_override")
    if suggestion.kind == "recipe" and suggestion.recipe is not None:
        r = suggestion.recipe
        gpus = int(info.get("gpus") or 1)
        text = config.render(source, {"batch_size": r.micro_batch, "accumulative_counts": r.accumulation(gpus)},
                             method=r.method, activation_checkpointing=r.checkpointing, precision=r.precision,
                             half_frozen_weights=r.half_frozen)
        new_config = ws.configs_dir / f"{src_name}_{r.key}.py"
        ok, message, _ = config_form.save_config(new_config, text)
        if not ok:
            raise jobs.JobError(f"the retry's config does not load: {message}")
    else:
        new_config, workers = run.config, suggestion.workers
    seed = info.get("seed")
    if seed is None:  # XTuner chose one and logged it ("seed: 1234" in its runtime environment)
        m = re.search(r"^\s*seed: (\d+)", jobs.log_path(run.root).read_text(encoding="utf-8", errors="replace"), re.M)
        seed = int(m.group(1)) if m else None
    return runs.start_training(
        ws, new_config, gpus=int(info.get("gpus") or 1), deepspeed=info.get("deepspeed"), seed=seed,
        accumulative_counts=None, workers=workers, auto_retry=bool(info.get("auto_retry")),
        retry_of=run.root.name, attempt=int(info.get("attempt") or 0) + 1)


def main(run_dir: Path, timeout: float = 600) -> int:
    """The auto-retry: wait for the run's supervisor to finish, then retry once if it failed."""
    deadline = time.time() + timeout
    while jobs.status(run_dir).active:
        if time.time() > deadline:
            print(f"retry: {run_dir} still running after {timeout} s; no retry", flush=True)
            return 1
        time.sleep(1)
    info = runs.meta(run_dir)
    if int(info.get("attempt") or 0) >= MAX_AUTO:
        print(f"retry: {MAX_AUTO} retries in a row; stopping here", flush=True)
        return 0
    suggestion = suggest(run_dir)
    if suggestion is None:
        print("retry: nothing known to try", flush=True)
        return 0
    ws = Workspace.resolve(Path(run_dir).resolve().parents[1])
    new = retry(ws, run_dir, suggestion)
    what = suggestion.recipe.key if suggestion.recipe else f"{suggestion.workers} tokenizing process"
    print(f"retry: started {new.name} ({what})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
