"""The one training plan (core.plan) against XTuner's own code: tokens as its encode_fn makes them,
packed samples as its process_hf_dataset makes them, iterations as its loop counts them.

XTuner's data preparation runs here as the app's launcher runs it, maps in one process
(tests/unit/test_launcher_maps.py shows those samples are the ones datasets' worker processes make)."""

from __future__ import annotations

import copy
import functools

import pytest

from core import config, dataset, general_library, identity, plan, templates
from core.dataset_stats import load_tokenizer
from tests.unit.test_launcher_maps import maps_in_process


@pytest.fixture(scope="module", autouse=True)
def maps_as_the_launcher_runs_them():
    with pytest.MonkeyPatch.context() as mp:  # undone after this module
        maps_in_process(mp)
        yield


@pytest.fixture(scope="module")
def tok(demo_model):
    return load_tokenizer(demo_model)


def _xtuner_packed(records, tok, max_length, workers, pack=True) -> int:
    from datasets import Dataset
    from xtuner.dataset.huggingface import process_hf_dataset
    from xtuner.dataset.map_fns import template_map_fn
    from xtuner.utils import PROMPT_TEMPLATE

    real = process_hf_dataset(
        dataset=Dataset.from_list(copy.deepcopy(records)), tokenizer=tok, max_length=max_length, dataset_map_fn=None,
        template_map_fn=functools.partial(template_map_fn, template=PROMPT_TEMPLATE.internlm2_chat),
        remove_unused_columns=True, shuffle_before_pack=True, pack_to_max_length=pack, map_num_proc=workers)
    return len(real)


def _mixed(repeat: int) -> list[dict]:
    ident = dataset.records_from_rows(identity.library_rows(identity.Identity("小明", "小智", langs="both")), repeat)
    return dataset.mix(ident, general_library.general_records("both"), 0.5).records


def test_the_renderer_counts_the_tokens_xtuners_encode_fn_makes(tok):
    from xtuner.dataset.map_fns import template_map_fn
    from xtuner.dataset.utils import encode_fn
    from xtuner.utils import PROMPT_TEMPLATE

    recs = _mixed(1)[:60]
    recs.append({"conversation": [{"system": "你是一个助手", "input": "a", "output": "b"},
                                  {"input": "c", "output": "d"}]})
    for name in ("internlm2_chat", "qwen_chat", "llama3_chat"):
        theirs = [encode_fn(template_map_fn(copy.deepcopy(r), getattr(PROMPT_TEMPLATE, name)), tok, 10**6)["input_ids"]
                  for r in recs]
        assert [n for n, _ in templates.token_lengths(tok, name, recs)] == [len(ids) for ids in theirs]
        assert [templates.render_conversation(tok, name, r["conversation"]) for r in recs] == theirs


def test_small_data_packs_into_exactly_one_sample_per_shard(tok):
    recs = dataset.tutorial_records("小明", 100)
    got = plan.plan(recs, tok, plan.Settings(max_length=256, workers=32, max_epochs=3))
    assert got.exact and got.packed == 32 == _xtuner_packed(recs, tok, 256, 32)
    assert (got.per_epoch, got.total) == (32, 96)
    few = plan.plan(recs[:5], tok, plan.Settings(max_length=256, workers=32))
    assert few.exact and few.packed == 5  # fewer records than processes: one shard per record


@pytest.mark.parametrize(("repeat", "max_length", "workers"), [(3, 256, 32), (3, 256, 2), (3, 64, 4), (30, 256, 3)])
def test_packed_samples_match_xtuners_packing_within_its_shuffle(tok, repeat, max_length, workers):
    recs = _mixed(repeat)
    got = plan.plan(recs, tok, plan.Settings(max_length=max_length, workers=workers))
    real = _xtuner_packed(recs, tok, max_length, workers)
    # XTuner shuffles without a seed before packing, so its count is one draw of what the plan's
    # shuffles span (allowing one more either way for a draw outside the 16 the plan tried).
    assert got.packed_fewest - 1 <= real <= got.packed_most + 1, (got.packed_fewest, got.packed_most, real)
    assert got.packed_fewest <= got.packed <= got.packed_most
    assert got.packed_most - got.packed_fewest <= max(4, got.packed // 10)
    assert not got.exact


def test_truncation_and_dropped_records(tok):
    long_q = {"conversation": [{"input": "问" * 400, "output": "答"}]}
    recs = dataset.tutorial_records("小明", 10) + [long_q]
    got = plan.plan(recs, tok, plan.Settings(max_length=64, workers=1))
    assert got.max == 64 and got.over_max >= 1
    assert got.kept == len(recs) - 1  # the long question leaves no answer token: XTuner drops it
    assert got.packed == _xtuner_packed(recs, tok, 64, 1)


def test_iterations_as_xtuners_loop_counts_them():
    assert plan.iterations(192, 1, 1) == 192
    assert plan.iterations(192, 4, 2) == 24
    assert plan.iterations(33, 4, 1) == 9
    assert plan.iterations(33, 4, 2) == 5  # each of 2 GPUs gets ceil(33 / 2) = 17 samples
    assert plan.iterations(0, 1, 1) == 0
    assert plan.packed_range([10] * 100, 2048, False, 32) == (100, 100, 100)
    assert plan.pack_shard([100] * 30, 1000) == 3  # the last 0 carried tokens: nothing left over
    assert plan.pack_shard([100] * 9, 1000) == 1  # under max_length: one short sample


def test_the_plan_reads_a_config(ws, demo_model):
    dataset.save(ws.dataset_path, dataset.tutorial_records("小明", 100))
    path = ws.configs_dir / "mine.py"
    path.write_text(config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                           extra={"batch_size": 2}), encoding="utf-8")
    s = plan.settings_from_source(path.read_text(encoding="utf-8"))
    assert (s.max_length, s.batch_size, s.max_epochs, s.template, s.workers) == (256, 2, 3, "internlm2_chat", 32)
    got = plan.plan_for_config(path)
    assert (got.packed, got.per_epoch, got.total) == (32, 16, 48)
    assert plan.plan_for_config(path, gpus=2).total == 24
    four = plan.plan_for_config(path, workers=4)  # 4 shards of ~1,260 tokens: 4 or 5 chunks each
    assert 16 <= four.packed_fewest <= four.packed <= four.packed_most <= 20 and not four.exact
    none_path, defaults, _ = plan.newest_settings([])
    assert none_path is None and defaults.max_length == 2048 and defaults.template == "internlm2_chat"
    assert plan.newest_settings([path])[0] == path
    # no config saved yet: the settings the config page starts from for the chosen model
    assert plan.newest_settings([], demo_model)[1].max_length == config.DEMO_SETTINGS["max_length"]
