"""Time to first token and tokens per second of core.chat.stream, as the chat page streams.

Runs on the demo model on CPU by default (made in a temporary folder); give ``--model``
for another model folder and ``--adapter`` to also time base+adapter, with the adapter
switched off (the page's "before") and on (its "after"), on one loaded copy.

    .venv/bin/python benchmarks/bench_chat.py [--model DIR] [--adapter DIR] [--runs 5]
        [--max-new-tokens 128] [--device cpu] [--dtype auto] [--threads N]

TTFT is from the call to the first generated token (prompt processing included); tokens/s
is the speed after the first token. Medians over ``--runs`` after one warm-up answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import chat  # noqa: E402

PROMPTS = ["请介绍一下你自己", "你是谁？", "Who are you?", "上海有哪些好玩的景点？"]


def measure(loaded: chat.Loaded, settings: chat.GenerationSettings, runs: int, use_adapter: bool,
            template: str | None) -> dict[str, float]:
    ttfts, speeds, tokens = [], [], []
    for i in range(runs + 1):
        stats = chat.StreamStats()
        for _ in chat.stream(loaded, PROMPTS[i % len(PROMPTS)], template_name=template, settings=settings,
                             use_adapter=use_adapter, stats=stats):
            pass
        if i == 0:
            continue  # warm-up
        ttfts.append(stats.ttft)
        tokens.append(stats.tokens)
        if stats.tokens_per_s is not None:
            speeds.append(stats.tokens_per_s)
    return {"ttft_ms": statistics.median(ttfts) * 1000, "tokens_per_s": statistics.median(speeds) if speeds else 0.0,
            "tokens": statistics.median(tokens)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="model folder (default: the demo model, made in a temp folder)")
    ap.add_argument("--adapter", type=Path, help="adapter folder (hf_adapter of a run) to time base+adapter too")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="auto", choices=chat.DTYPES)
    ap.add_argument("--template", default=chat.DEFAULT_TEMPLATE, help="XTuner template; 'none' = the model's own")
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = ap.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    tmp = None
    model = args.model
    if model is None:
        from core.demo_model import make_demo_model

        tmp = tempfile.TemporaryDirectory(prefix="bench-chat-")
        model = make_demo_model(Path(tmp.name) / "demo-tiny-llama")
    template = None if args.template.lower() == "none" else args.template
    settings = chat.GenerationSettings(max_new_tokens=args.max_new_tokens)
    print(f"model {model}  adapter {args.adapter or '-'}  device {args.device}  dtype {args.dtype}  "
          f"torch threads {torch.get_num_threads()}  runs {args.runs}  max_new_tokens {args.max_new_tokens}")
    rows = [("base", measure(chat.load(model, device=args.device, dtype=args.dtype), settings, args.runs, True,
                             template))]
    if args.adapter:
        both = chat.load(model, args.adapter, device=args.device, dtype=args.dtype)
        rows.append(("base+adapter, adapter off", measure(both, settings, args.runs, False, template)))
        rows.append(("base+adapter, adapter on", measure(both, settings, args.runs, True, template)))
    print(f"{'side':<28}{'TTFT ms':>10}{'tokens/s':>10}{'tokens':>8}")
    for name, r in rows:
        print(f"{name:<28}{r['ttft_ms']:>10.1f}{r['tokens_per_s']:>10.1f}{r['tokens']:>8.0f}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
