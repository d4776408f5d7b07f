"""Small datasets mapped in the XTuner process make exactly the samples XTuner's worker processes make.

XTuner's own ``process_hf_dataset`` (template, tokenizing, filtering, shuffling, packing) runs twice on
the tutorial's records, a JSON file loaded into ``datasets``' cache as the app's config loads it (cache
files are where shards could read each other's results), with the demo model's tokenizer: once with
``datasets``' pool of processes, once with :func:`core.xtuner_launcher.map_small_datasets_in_process`.
Same shuffle seed; the packed samples must be the same, token for token, and as many as the app's plan
says.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core import dataset, plan, xtuner_launcher

WORKERS = 4  # enough shards for packing to depend on them, few enough for a quick pool


def maps_in_process(mp: pytest.MonkeyPatch, **kwargs) -> None:
    """The launcher's in-process maps, for as long as ``mp`` lasts (it puts ``Dataset.map`` back)."""
    import datasets

    mp.setattr(datasets.Dataset, "map", datasets.Dataset.map)
    xtuner_launcher.map_small_datasets_in_process(**kwargs)


def _packed(demo_model, workers: int, cache: Path) -> list[list[int]]:
    """XTuner's samples of the tutorial's records, read as the app's config reads them: a JSON file
    loaded by ``datasets`` into its cache (``cache``: a fresh folder, so no map reads another's files)."""
    from datasets import load_dataset
    from transformers import AutoTokenizer
    from xtuner.dataset.huggingface import process_hf_dataset
    from xtuner.dataset.map_fns import template_map_fn_factory
    from xtuner.utils import PROMPT_TEMPLATE

    cache.mkdir(parents=True)
    data = cache / "data.json"
    dataset.save(data, dataset.tutorial_records("小明同学", n=100))
    np.random.seed(0)  # XTuner shuffles before packing with numpy's global generator
    out = process_hf_dataset(
        dataset=load_dataset("json", data_files={"train": str(data)}, cache_dir=str(cache / "hf")),
        tokenizer=AutoTokenizer.from_pretrained(str(demo_model)),
        max_length=256,
        dataset_map_fn=None,
        template_map_fn=template_map_fn_factory(template=PROMPT_TEMPLATE.internlm2_chat),
        remove_unused_columns=True,
        shuffle_before_pack=True,
        pack_to_max_length=True,
        map_num_proc=workers,
    )
    return [list(row["input_ids"]) for row in out]


def test_in_process_maps_pack_the_same_samples_as_the_pool(demo_model, monkeypatch, capfd, tmp_path):

    pooled = _packed(demo_model, WORKERS, tmp_path / "pooled")
    one_piece = _packed(demo_model, 1, tmp_path / "one")
    assert len(pooled) != len(one_piece), "the shards must matter here, or this test shows nothing"

    maps_in_process(monkeypatch)
    capfd.readouterr()
    in_process = _packed(demo_model, WORKERS, tmp_path / "in-process")
    assert in_process == pooled
    # One bar per map, named like the pool's, for the app's reading of the preparation.
    err = capfd.readouterr().err
    assert "Map (num_proc=4)" in err and "Spawning" not in err


def test_the_plan_counts_the_samples_made_in_process(demo_model, monkeypatch, tmp_path):
    maps_in_process(monkeypatch)
    samples = len(_packed(demo_model, WORKERS, tmp_path / "c"))
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(demo_model))
    measured, _, _ = plan.lengths(dataset.tutorial_records("小明同学", n=100), tok, "internlm2_chat")
    sizes = [min(n, 256) for n, prompt in measured if prompt < 256]
    _, fewest, most = plan.packed_range(sizes, 256, True, WORKERS)
    assert fewest <= samples <= most


def test_a_large_dataset_keeps_the_pool(monkeypatch):
    import datasets

    calls = []
    original = datasets.Dataset.map

    def spy(self, function=None, *args, **kwargs):
        calls.append(kwargs.get("num_proc"))
        return original(self, function, *args, **kwargs)

    monkeypatch.setattr(datasets.Dataset, "map", spy)
    maps_in_process(monkeypatch, limit=5)
    ds = datasets.Dataset.from_list([{"x": i} for i in range(6)])
    out = ds.map(lambda row: {"y": row["x"] * 2}, num_proc=2)
    assert calls == [2] and out["y"] == [0, 2, 4, 6, 8, 10]
    calls.clear()
    out = ds.select(range(5)).map(lambda row: {"y": row["x"] + 1}, num_proc=2)
    assert calls == [None, None] and out["y"] == [1, 2, 3, 4, 5]


if __name__ == "__main__":
    pytest.main([__file__])
