"""How fast the dataset builder is at 100,000 records, and how the page feels with them.

Run: ``.venv/bin/python benchmarks/bench_dataset.py`` (add ``--no-page`` to skip the
headless page runs). Prints one line per step with seconds; the target is building and
validating 100,000 records in under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import dataset, dataset_io, identity, plan, templates  # noqa: E402
from core import dataset_stats as ds  # noqa: E402

N = 100_000


def timed(label: str, fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"{label:<58} {time.perf_counter() - t0:7.3f} s")
    return out


def general(n: int) -> list[dict]:
    return [{"conversation": [{"input": f"请解释第 {i} 个概念，并举一个例子。",
                               "output": f"第 {i} 个概念是这样的：它描述了一种常见的现象。例如……" * 2}]}
            for i in range(n)]


def core_bench(model: str | None) -> None:
    ident = identity.Identity("小明", "小智", "内在是上海AI实验室书生·浦语的1.8B大模型", "built on InternLM2 1.8B",
                              "both")
    print(f"--- core, {N:,} records")
    tut = timed("tutorial_records(n=50,000) -> 100,002 records", dataset.tutorial_records, "小明", N // 2)
    timed("validate(tutorial, 100,002)", dataset.validate, tut)
    rows = identity.library_rows(ident)
    t0 = time.perf_counter()
    ident_recs = dataset.records_from_rows(rows, repeat=N // 2 // len(rows))
    gen = general(N)
    mixed = dataset.mix(ident_recs, gen, 0.5)
    problems = dataset.validate(mixed.records)
    valid = dataset.without_problems(mixed.records, problems)
    st = ds.stats(valid, ds.identity_matcher({r["question"] for r in rows}, ("小智", "小明")))
    total = time.perf_counter() - t0
    print(f"{'build (library rows x repeat + 100k general, mix 50%)':<58} {'':>7}")
    label = f"  + validate + stats, {len(valid):,} records"
    print(f"{label:<58} {total:7.3f} s  <- target < 3 s")
    print(f"    records {st.records:,}, unique {st.unique:,}, duplicates {st.duplicate_ratio:.0%}, "
          f"identity {st.identity_share:.0%}")
    timed("content_key (cache key of 100k records)", ds.content_key, valid)
    data = timed("export JSONL", dataset_io.to_jsonl, gen)
    res = timed(f"import JSONL ({len(data) / 2**20:.1f} MB)", dataset_io.parse_bytes, data, "g.jsonl")
    assert len(res.records) == N
    data = timed("export XTuner JSON", dataset_io.to_json, gen)
    timed(f"import XTuner JSON ({len(data) / 2**20:.1f} MB)", dataset_io.parse_bytes, data, "g.json")
    data = timed("export CSV", dataset_io.to_csv, gen)
    timed(f"import CSV ({len(data) / 2**20:.1f} MB)", dataset_io.parse_bytes, data, "g.csv")
    with tempfile.TemporaryDirectory() as tmp:
        timed("save (validate + atomic write, 100k)", dataset.save, Path(tmp) / "assistant.json", valid)
    if model:
        tok = ds.load_tokenizer(model)
        got = timed("training plan (core.plan, a 2,000 sample of the distinct records)", plan.plan, valid, tok,
                    plan.Settings())
        exact = timed("tokenize all (what is NOT done per rerun)", templates.token_lengths, tok, "internlm2_chat",
                      valid)
        truth = sum(min(n, 2048) for n, _ in exact)
        print(f"    plan {got.tokens:,} tokens vs exact {truth:,} ({abs(got.tokens - truth) / truth:.1%} off); "
              f"packed {got.packed:,} ({got.packed_fewest:,}-{got.packed_most:,}), {got.total:,} iterations")


def page_bench(model: str | None) -> None:
    from streamlit.testing.v1 import AppTest

    print(f"--- page (AppTest, headless) with {N:,} general conversations loaded")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ASSISTANT_STUDIO_WORKSPACE"] = tmp
        from core.workspace import Workspace

        ws = Workspace.resolve(tmp)
        if model:
            ws.update_settings(base_model=model)
        state = {"dataset.owner": "小明", "dataset.name": "小智", "dataset.repeat": 1000}
        dataset.save_builder(ws.dataset_path, state, general(N))
        at = AppTest.from_file(str(ROOT / "pages" / "dataset.py"), default_timeout=300)
        timed("first run (loads 100k from disk, builds, tokens)", at.run)
        assert not at.exception, at.exception
        timed("rerun, nothing changed (cached build)", at.run)
        timed("change the mix share (rebuild + token stats)", at.slider(key="dataset.share").set_value(30).run)
        timed("change the repeat count (rebuild)", at.number_input(key="dataset.repeat").set_value(500).run)
        at.slider(key="dataset.share").set_value(50).run()
        timed("repeat 2000 at 50% (rebuild ~104k records)", at.number_input(key="dataset.repeat").set_value(2000).run)
        timed("save (validate, write, keep the builder state)", at.button(key="dataset.save").click().run)
        assert not at.exception, at.exception
        print(f"    saved {len(json.loads(ws.dataset_path.read_text(encoding='utf-8'))):,} records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-page", action="store_true", help="skip the headless page runs")
    parser.add_argument("--model", help="a model folder for token counts (default: a demo model made in /tmp)")
    args = parser.parse_args()
    model = args.model
    if model is None:
        from core.demo_model import make_demo_model

        model = str(make_demo_model(Path(tempfile.gettempdir()) / "bench-demo-tiny-llama"))
    core_bench(model)
    if not args.no_page:
        page_bench(model)


if __name__ == "__main__":
    main()
