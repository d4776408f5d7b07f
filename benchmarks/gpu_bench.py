"""GPU benchmarks: the app's overhead, the tutorial recipe vs the auto recipe, the full path.

Run on a GPU machine from the repository root (no pretrained weights are needed: a
random-weight model with internlm2-chat-1_8b's shape is made locally):

    python benchmarks/gpu_bench.py train --out OUT_DIR [--iters-tutorial 160] [--gpus 1]
    python benchmarks/gpu_bench.py fullpath --out OUT_DIR
    python benchmarks/gpu_bench.py samples --out OUT_DIR

``train`` prints and writes (``results.json``) seconds per iteration, tokens per second,
peak GPU memory and start-up time for each recipe, run (a) by hand with XTuner's train
tool and (b) through the app's job runner, and the loss per optimizer step of each
recipe. ``fullpath`` trains QLoRA with the tutorial's config through core, converts the
checkpoint, merges on cuda and on cpu, and chats on the GPU. ``samples`` measures what
XTuner's sample answers (EvaluateChatHook) cost in runs saved the way the config page saves
them: seconds per round, tokens per second, and their share of the run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import (  # noqa: E402
    attention,  # noqa: E402
    convert,
    dataset,
    estimate,
    jobs,
    logs,
    runs,
)
from core import config as cfg  # noqa: E402
from core.demo_model import build_tokenizer  # noqa: E402
from core.pyedit import Editor, kw, set_keyword  # noqa: E402
from core.workspace import Workspace  # noqa: E402

SHAPE = dict(hidden_size=2048, num_hidden_layers=24, num_attention_heads=16, num_key_value_heads=8,
             intermediate_size=8192, vocab_size=92544)
EFFECTIVE_BATCH = 16
MAX_LENGTH = 2048
TS_RE = re.compile(r"^(\d\d/\d\d \d\d:\d\d:\d\d) - mmengine")


def make_shape_model(out: Path, arch: str = "llama") -> Path:
    """A random-weight model with internlm2-chat-1_8b's shape (1.89 B parameters), bf16.

    ``arch="internlm2"``: the real thing's architecture, its remote code and sentencepiece
    tokenizer (tests/standins.py); ``"llama"``: the native Llama stand-in of earlier results.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if (out / "config.json").exists():
        return out
    if arch == "internlm2":
        from tests.standins import SHAPE_1_8B, make_internlm2

        make_internlm2(out, shape=SHAPE_1_8B, model_vocab=SHAPE["vocab_size"], dtype="bfloat16", device="cuda")
        torch.cuda.empty_cache()
        return out
    tok = build_tokenizer()
    config = LlamaConfig(**SHAPE, max_position_embeddings=4096, torch_dtype="bfloat16",
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    del model
    torch.cuda.empty_cache()
    return out


WORKERS_DIED: list[str] = []  # configs whose tokenizing processes died (then run with one)

RECIPES = {
    # The tutorial's config as XTuner ships it: QLoRA nf4, fp16, checkpointing, micro-batch 1 × 16.
    "tutorial": dict(method="qlora", precision="fp16", ckpt=True, micro_batch=1),
    # The auto recipe for an 80 GB card: LoRA bf16, no checkpointing, micro-batch 4 × 4.
    "auto": dict(method="lora", precision="bf16", ckpt=False, micro_batch=4),
    # Same speed-ups but keeping 4-bit weights: isolates what dropping quantization does to the loss.
    "qlora_fast": dict(method="qlora", precision="bf16", ckpt=False, micro_batch=4),
    # The auto recipe with the frozen weights kept in bf16 (XTuner casts them to fp32 for LoRA).
    "auto_half": dict(method="lora", precision="bf16", ckpt=False, micro_batch=4, half=True),
    # ... which leaves room for micro-batch 8 × 2 on an 80 GB card.
    "auto_half_mb8": dict(method="lora", precision="bf16", ckpt=False, micro_batch=8, half=True),
    "auto_half_mb1": dict(method="lora", precision="bf16", ckpt=False, micro_batch=1, half=True),
    # Attention: the app writes the fastest the model's code has (SDPA for InternLM2 since mid-2024);
    # "as shipped" leaves it to XTuner, which keeps InternLM2 on eager attention without flash-attn.
    "tutorial_shipped": dict(method="qlora", precision="fp16", ckpt=True, micro_batch=1, attn=""),
    "auto_half_eager": dict(method="lora", precision="bf16", ckpt=False, micro_batch=4, half=True, attn="eager"),
    "auto_half_mb1_eager": dict(method="lora", precision="bf16", ckpt=False, micro_batch=1, half=True,
                                attn="eager"),
}


def recipe_text(ws: Workspace, model: Path, name: str, extra: dict, *, sample_tokens: int,
                max_iters: int | None = None, log_each_iteration: bool = False) -> str:
    """A recipe's config, rendered as the config page renders it, for the bench's runs.

    ``max_iters`` replaces the epochs by a fixed number of iterations; ``log_each_iteration``
    writes a log line per iteration instead of every 10th.
    """
    r = RECIPES[name]
    text = cfg.tutorial_config(str(model), str(ws.dataset_path), method=r["method"],
                               extra={"batch_size": r["micro_batch"], "max_length": MAX_LENGTH, "SYSTEM": "", **extra})
    text = cfg.render(text, activation_checkpointing=r["ckpt"], precision=r["precision"],
                      sample_max_new_tokens=sample_tokens, half_frozen_weights=r.get("half", False),
                      attention=r.get("attn"))
    ed = Editor(text)
    if max_iters:
        ed.replace(kw(ed.assignment("train_cfg").value, "max_epochs"), f"max_iters={max_iters}")
    if log_each_iteration:
        logger = kw(ed.assignment("default_hooks").value, "logger")
        ed.replace(kw(logger.value, "interval").value, "1")
    # mmengine logs the mean loss of the last 10 iterations by default; 10 iterations are 0.6 of an
    # optimizer step at micro-batch 1 × 16 but 2.5 steps at 4 × 4, which made micro-batch 4 look a
    # step behind. Window 1: each logged value is its own iteration's.
    set_keyword(ed, ed.assignment("log_processor").value, "window_size", "1")
    return ed.result()


def recipe_config(ws: Workspace, model: Path, name: str, iters: int, gpus: int = 1) -> Path:
    accum = EFFECTIVE_BATCH // (RECIPES[name]["micro_batch"] * gpus)
    text = recipe_text(ws, model, name, {"accumulative_counts": accum, "save_steps": 100000, "evaluation_freq": 100000},
                       sample_tokens=32, max_iters=iters, log_each_iteration=True)
    path = ws.configs_dir / f"bench_{name}_{gpus}gpu.py"
    path.write_text(text, encoding="utf-8")
    return path


def parse_run(log_text: str, work_dir: Path, micro_batch: int, gpus: int, accum: int) -> dict:
    rows = logs.read_scalars(work_dir)
    all_times = [r["time"] for r in rows if "time" in r]
    # Each logged time is one iteration's own (window 1). Iterations that end an optimizer step
    # take longer than the others, and mmengine sleeps 2 s whenever the data runs out and starts
    # over (once per epoch), so: time whole optimizer steps, leave out the first (start-up) and
    # take the median (steady state); the mean, epoch stalls included, is kept beside it.
    steps = [sum(all_times[i:i + accum]) for i in range(0, len(all_times) - len(all_times) % accum, accum)][1:]
    sec = statistics.median(steps) / accum if steps else None
    mean_sec = statistics.mean(steps) / accum if steps else None
    mems = [r["memory"] for r in rows if "memory" in r]
    stamps = [TS_RE.match(line) for line in log_text.splitlines()]
    stamps = [datetime.strptime(m.group(1), "%m/%d %H:%M:%S") for m in stamps if m]
    first_iter = next((line for line in log_text.splitlines() if "Iter(train)" in line), None)
    startup = None
    if stamps and first_iter:
        m = TS_RE.match(first_iter)
        if m:
            startup = (datetime.strptime(m.group(1), "%m/%d %H:%M:%S") - stamps[0]).total_seconds()
    per_step: dict[int, list[float]] = {}
    for r in rows:
        step = (int(r["iter"]) - 1) // accum
        per_step.setdefault(step, []).append(r["loss"])
    return {
        "sec_per_iter": sec,
        "tokens_per_s": (MAX_LENGTH * micro_batch * gpus / sec) if sec else None,
        "peak_gb": max(mems) / 1024 if mems else None,
        "startup_s": startup,
        "iters": len(rows),
        "mean_sec_per_iter": mean_sec,
        "step_times": steps,
        "iter_times": all_times,
        "loss_per_step": {k: statistics.mean(v) for k, v in sorted(per_step.items())},
    }


def _brief(run: dict) -> dict:
    return {k: v for k, v in run.items() if k not in ("loss_per_step", "iter_times")}


def run_by_hand(config: Path, work_dir: Path, log: Path) -> float:
    tool = Path(__import__("xtuner").__file__).parent / "tools" / "train.py"
    t0 = time.time()
    with open(log, "w") as f:
        rc = subprocess.run([sys.executable, str(tool), str(config), "--work-dir", str(work_dir), "--seed", "0"],
                            stdout=f, stderr=subprocess.STDOUT, check=False,
                            env={**__import__("os").environ, "PYTHONUNBUFFERED": "1"}).returncode
    if rc != 0:
        raise SystemExit(f"by-hand training failed ({rc}); see {log}")
    return time.time() - t0


def run_through_app(ws: Workspace, config: Path, gpus: int = 1, deepspeed: str | None = None,
                    workers: int | None = None) -> tuple[Path, float]:
    t0 = time.time()
    run_dir = runs.start_training(ws, config, seed=0, gpus=gpus, deepspeed=deepspeed, workers=workers)
    while jobs.status(run_dir).active:
        time.sleep(0.5)
    st = jobs.status(run_dir)
    reason = logs.classify_failure(jobs.log_path(run_dir).read_text(errors="replace"), st.exit_code)
    if st.state != jobs.SUCCEEDED and reason == "fail.tokenize_workers" and workers is None:
        print(f"{config.name}: the tokenizing processes died (as the Train page would say); retrying with 1",
              flush=True)
        WORKERS_DIED.append(config.name)
        return run_through_app(ws, config, gpus, deepspeed, workers=1)
    if st.state != jobs.SUCCEEDED:
        print(logs.tail(jobs.log_path(run_dir), 60))
        raise SystemExit(f"training through the app ended {st.state}")
    return run_dir, time.time() - t0


def _setup(args: argparse.Namespace) -> tuple[Path, Workspace, Path]:
    """The output folder, a workspace with the tutorial's data, and the shape model in it."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ws = Workspace.resolve(Path(args.workspace))
    arch = getattr(args, "arch", "llama")
    model = make_shape_model(ws.models_dir / ("internlm2-1_8b-shape" if arch == "llama" else "internlm2-1_8b-remote"),
                             arch)
    dataset.save(ws.dataset_path, dataset.tutorial_records("伍鲜同志", 8000))
    return out, ws, model


def cmd_train(args: argparse.Namespace) -> None:
    out, ws, model = _setup(args)
    results = {}
    for name in args.recipes.split(","):
        r = RECIPES[name]
        mb = r["micro_batch"]
        accum = EFFECTIVE_BATCH // (mb * args.gpus)
        iters = args.iters_tutorial * 1 // (mb * args.gpus)
        config = recipe_config(ws, model, name, iters, args.gpus)
        entry = {"config": config.name, "iters": iters, "micro_batch": mb, "accumulate": accum, "gpus": args.gpus,
                 "arch": args.arch, "attention": attention.of_config(config.read_text(encoding="utf-8")) or "xtuner"}
        if args.gpus == 1 and not args.skip_hand:
            wd = ws.root / f"hand_{name}"
            log = ws.root / f"hand_{name}.log"
            entry["hand_wall_s"] = run_by_hand(config, wd, log)
            entry["hand"] = parse_run(log.read_text(errors="replace"), wd, mb, 1, accum)
            print(name, "by hand:", _brief(entry["hand"]), flush=True)
        try:
            run_dir, wall = run_through_app(ws, config, args.gpus, args.deepspeed)
        except SystemExit as e:  # e.g. out of GPU memory: record it, go on with the next recipe
            print(name, "failed:", e, flush=True)
            results[name] = {**entry, "error": str(e)}
            continue
        entry["deepspeed"] = args.deepspeed
        shape = estimate.read_shape(model)
        entry["estimate_gb"] = estimate.training_memory(
            shape, method=r["method"], max_length=MAX_LENGTH, micro_batch=mb, checkpointing=r["ckpt"],
            half_frozen=r.get("half", False), attention=entry["attention"] if entry["attention"] != "xtuner"
            else attention.what_xtuner_picks(model, gpu=True)).total / 2**30
        entry["workers_died"] = config.name in WORKERS_DIED
        entry["app_wall_s"] = wall
        entry["app"] = parse_run(jobs.log_path(run_dir).read_text(errors="replace"),
                                 runs.RunPaths(run_dir).work_dir, mb, args.gpus, accum)
        entry["app_command"] = jobs.status(run_dir).record["display"]
        print(name, "through app:", _brief(entry["app"]), flush=True)
        if "hand" in entry and entry["hand"]["sec_per_iter"]:
            entry["overhead_ratio"] = entry["app"]["sec_per_iter"] / entry["hand"]["sec_per_iter"]
            print(name, "overhead ratio:", round(entry["overhead_ratio"], 4), flush=True)
        results[name] = entry
    base = "tutorial_shipped" if "app" in results.get("tutorial_shipped", {}) else "tutorial"
    if "app" in results.get(base, {}):
        tut = results[base]["app"]
        results["baseline"] = base
        results["vs_tutorial"] = {}
        for name, entry in list(results.items()):
            if name == base or not isinstance(entry, dict) or "app" not in entry:
                continue
            run = entry["app"]
            per_step = {s: (tut["loss_per_step"][s], run["loss_per_step"][s])
                        for s in sorted(set(tut["loss_per_step"]) & set(run["loss_per_step"]))}
            diffs = [abs(a - b) for a, b in per_step.values()]
            results["vs_tutorial"][name] = {
                "speedup": run["tokens_per_s"] / tut["tokens_per_s"],
                "max_abs_loss_diff": max(diffs) if diffs else None,
                "max_abs_loss_diff_after_step_2": max(diffs[2:]) if len(diffs) > 2 else None,
                "peak_gb": run["peak_gb"]}
            if name == "auto":  # the keys the earlier result files have
                results["speedup"] = results["vs_tutorial"][name]["speedup"]
                results["loss_tracking"] = {"steps": len(diffs), "max_abs_diff": max(diffs) if diffs else None,
                                            "per_step": per_step}
        print("vs tutorial:", json.dumps(results["vs_tutorial"], indent=1), flush=True)
    tag = f"{args.gpus}gpu" + (f"_{args.deepspeed}" if args.deepspeed else "") + \
        ("_internlm2" if args.arch == "internlm2" else "")
    (out / f"results_{tag}.json").write_text(json.dumps(results, indent=1, default=str))


def cmd_fullpath(args: argparse.Namespace) -> None:
    import torch

    from core import chat

    out, ws, model = _setup(args)
    report: dict = {}
    # The tutorial's config unchanged but for the tutorial's edits, cut to 32 iterations.
    text = cfg.tutorial_config(str(model), str(ws.dataset_path), extra={"SYSTEM": "", "evaluation_freq": 100000})
    text = cfg.render(text, sample_max_new_tokens=16)
    ed = Editor(text)
    ed.replace(kw(ed.assignment("train_cfg").value, "max_epochs"), "max_iters=32")
    config = ws.configs_dir / "tutorial_qlora.py"
    config.write_text(ed.result(), encoding="utf-8")
    t0 = time.time()
    run_dir, _ = run_through_app(ws, config, args.gpus, args.deepspeed)
    report["training"] = {"gpus": args.gpus, "deepspeed": args.deepspeed,
                          "checkpoint": str(convert.latest_checkpoint(runs.RunPaths(run_dir).work_dir))}
    report["train_s"] = time.time() - t0
    run = runs.RunPaths(run_dir)
    for device in ("cuda", "cpu"):
        t0 = time.time()
        job = runs.start_convert(ws, run_dir, do_convert=device == "cuda", do_merge=True, device=device,
                                 cpu_only=False, safe_serialization=True)
        while jobs.status(job).active:
            time.sleep(0.5)
        st = jobs.status(job)
        report[f"convert_merge_{device}"] = {"state": st.state, "seconds": time.time() - t0,
                                             "verify": convert.verify_result(jobs.log_path(job).read_text())}
        print(device, report[f"convert_merge_{device}"], flush=True)
        if st.state != jobs.SUCCEEDED:
            print(logs.tail(jobs.log_path(job), 80))
    report["adapter_files"] = convert.output_tree(run.adapter)
    report["merged_files"] = convert.output_tree(run.merged)
    loaded = chat.load(run.merged, device="cuda")
    t0 = time.time()
    answer = chat.answer(loaded, "请介绍一下你自己", template_name="internlm2_chat",
                         settings=chat.GenerationSettings(max_new_tokens=64))
    report["chat_gpu"] = {"seconds": time.time() - t0, "answer_chars": len(answer),
                          "device": str(loaded.device), "dtype": str(next(loaded.model.parameters()).dtype),
                          "gpu": torch.cuda.get_device_name(0)}
    print("chat on GPU:", report["chat_gpu"], flush=True)
    (out / "fullpath.json").write_text(json.dumps(report, indent=1, default=str))


def sample_rounds(log_text: str) -> list[dict]:
    """Rounds of sample answers in a training log: when each began and ended (log time, 1 s steps).

    A round is a run of ``Sample output`` lines with no iteration line between them; it began
    at the log line before its first answer (the hook logs each answer once it is generated).
    """
    rounds_: list[dict] = []
    prev_ts = None
    current = None
    for line in log_text.splitlines():
        m = TS_RE.match(line)
        if not m:
            continue
        ts = datetime.strptime(m.group(1), "%m/%d %H:%M:%S")
        if "Sample output" in line:
            if current is None:
                current = {"start": prev_ts or ts, "answers": 0}
                rounds_.append(current)
            current["end"] = ts
            current["answers"] += 1
        elif "Iter(train)" in line:
            current = None
        prev_ts = ts
    for r in rounds_:
        r["seconds"] = (r["end"] - r["start"]).total_seconds()
    return rounds_


def cmd_samples(args: argparse.Namespace) -> None:
    """Sample answers in runs saved as the config page saves them, their cost measured."""
    from core import sample_cost

    out, ws, model = _setup(args)
    tokens = 48  # the config page's default sample length on a GPU
    report: dict = {}
    for name in args.recipes.split(","):
        r = RECIPES[name]
        extra = {"accumulative_counts": EFFECTIVE_BATCH // r["micro_batch"]}
        cut = None
        if name == "tutorial":  # cut short; a round every 40 iterations gives several rounds to time
            extra.update(evaluation_freq=40, save_steps=100000)
            cut = args.tutorial_iters
        text = recipe_text(ws, model, name, extra, sample_tokens=tokens, max_iters=cut)
        config = ws.configs_dir / f"samples_{name}.py"
        config.write_text(text, encoding="utf-8")
        settings = cfg.read_settings(config.read_text(encoding="utf-8"))
        run_dir, wall = run_through_app(ws, config)
        log_text = jobs.log_path(run_dir).read_text(errors="replace")
        rows = logs.read_scalars(runs.RunPaths(run_dir).work_dir)
        times = [row["time"] for row in rows if "time" in row]  # every 10th iteration (the page's log interval)
        # The run's length from its iteration lines ("Iter(train) [n/M]"): the logged rows stop at
        # the last multiple of the log interval.
        totals = [parsed[1] for parsed in map(logs.parse_iter_line, log_text.splitlines()) if parsed]
        iters = totals[-1] if totals else 0
        med = statistics.median(times[5:]) if len(times) > 5 else None
        rnds = sample_rounds(log_text)
        questions = len(settings["evaluation_inputs"])
        # At most: the first round asks for 50 new tokens, every later answer for ``tokens``
        # (random weights hardly ever stop early). The last round and the one after training
        # are logged with no iteration line between them, so they count as one here.
        answers = [x["answers"] for x in rnds]
        max_tokens = (answers[0] * sample_cost.BEFORE_TRAIN_TOKENS + sum(answers[1:]) * tokens) if answers else 0
        sample_s = sum(x["seconds"] for x in rnds)
        # Iterations right after an in-loop round carry it in their time (mmengine's timer runs first).
        spikes = [t - med for t in times if med and t > med + 1.0]
        stamps = [datetime.strptime(m.group(1), "%m/%d %H:%M:%S") for m in map(TS_RE.match, log_text.splitlines()) if m]
        run_s = (stamps[-1] - rnds[0]["start"]).total_seconds() if rnds else None
        freq, save = int(settings["evaluation_freq"]), int(settings["save_steps"])
        predicted = sample_cost.share(iters, med or 0, freq, save, questions, tokens,
                                      sample_cost.tokens_per_s(r["method"]))
        entry = {
            "config": config.name, "method": r["method"], "iters": iters, "app_wall_s": wall,
            # one iteration in ten is logged (the page's interval), so this is a median of single
            # iterations, not of whole optimizer steps: good enough to price the samples, not a speed
            "median_logged_iter_s": med,
            "evaluation_freq": settings["evaluation_freq"], "save_steps": settings["save_steps"],
            "questions": questions, "max_new_tokens": tokens,
            "rounds": [{"seconds": x["seconds"], "answers": x["answers"]} for x in rnds],
            "rounds_predicted": sample_cost.rounds(iters, freq, save),
            "sample_s": sample_s, "in_loop_spikes_s": spikes,
            "tokens_per_s": max_tokens / sample_s if sample_s else None,
            "run_s": run_s, "share": sample_s / run_s if run_s else None,
            "predicted_sample_s": predicted.seconds, "predicted_share": predicted.share,
        }
        report[name] = entry
        print(name, {k: v for k, v in entry.items()}, flush=True)
        (out / "samples.json").write_text(json.dumps(report, indent=1, default=str))


def cmd_summarize(args: argparse.Namespace) -> None:
    """Tokens/s from the iteration times kept in results files (``train`` output), as ``train`` counts them now."""
    from unittest import mock

    for name in args.files:
        for recipe, entry in json.loads(Path(name).read_text()).items():
            if not isinstance(entry, dict) or "iter_times" not in entry.get("app", {}):
                continue
            app = entry["app"]
            rows = [{"iter": i + 1, "time": t, "loss": 0.0, "memory": (app["peak_gb"] or 0) * 1024}
                    for i, t in enumerate(app["iter_times"])]
            with mock.patch.object(logs, "read_scalars", return_value=rows):
                r = parse_run("", Path("."), entry["micro_batch"], entry["gpus"], entry["accumulate"])
            print(f"{Path(name).name}\t{recipe}\tGPUs {entry['gpus']}\tDeepSpeed {entry.get('deepspeed')}\t"
                  f"{entry['micro_batch']} x {entry['accumulate']}\ts/iter {r['sec_per_iter']:.4f}\t"
                  f"tokens/s {r['tokens_per_s']:,.0f}\tmean s/iter {r['mean_sec_per_iter']:.4f}\t"
                  f"peak GB {app['peak_gb'] or 0:.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--out", required=True)
    t.add_argument("--workspace", default="/tmp/bench_ws")
    t.add_argument("--iters-tutorial", type=int, default=160)
    t.add_argument("--recipes", default="tutorial,auto")
    t.add_argument("--gpus", type=int, default=1)
    t.add_argument("--skip-hand", action="store_true")
    t.add_argument("--deepspeed", default=None, help="e.g. deepspeed_zero2 (through the app only)")
    t.add_argument("--arch", default="llama", choices=["llama", "internlm2"])
    f = sub.add_parser("fullpath")
    f.add_argument("--out", required=True)
    f.add_argument("--workspace", default="/tmp/bench_ws_full")
    f.add_argument("--gpus", type=int, default=1)
    f.add_argument("--deepspeed", default=None, help="e.g. deepspeed_zero2: its checkpoints are folders")
    f.add_argument("--arch", default="llama", choices=["llama", "internlm2"])
    s = sub.add_parser("samples")
    s.add_argument("--out", required=True)
    s.add_argument("--workspace", default="/tmp/bench_ws_samples")
    s.add_argument("--recipes", default="auto,tutorial")
    s.add_argument("--tutorial-iters", type=int, default=160,
                   help="the tutorial recipe is cut to this many iterations (a full run is ~6 min)")
    m = sub.add_parser("summarize")
    m.add_argument("files", nargs="+")
    args = p.parse_args()
    {"train": cmd_train, "fullpath": cmd_fullpath, "samples": cmd_samples, "summarize": cmd_summarize}[args.cmd](args)


if __name__ == "__main__":
    main()
