"""Watching a run cheaply: the preparation phase from XTuner's real log, progress bars collapsed,
logs and scalars read incrementally, the run's config and history rows worked out once per change.

``data/xtuner_prep.log`` is a real demo-model training log of XTuner 0.2.0 on CPU (its
config dump and hook table shortened, every other line as written, carriage returns kept).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core import config as cfg
from core import jobs, logs, monitor, preparation
from core.preparation import Phase
from core.runs import RunPaths

DATA = Path(__file__).parent / "data"
PREP_LOG = (DATA / "xtuner_prep.log").read_bytes()


def _phases(text: str) -> list[Phase]:
    """Each distinct phase a Preparation passes through, fed ``text`` one bar state at a time."""
    prep, seen = preparation.Preparation(), []
    for piece in text.replace("\r", "\n").split("\n"):
        phase = prep.update(piece)
        if not seen or seen[-1] != phase:
            seen.append(phase)
    return seen


def test_phases_of_a_real_preparation_in_order():
    phases = _phases(PREP_LOG.decode())
    names = []
    for p in phases:
        if not names or names[-1] != p.name:
            names.append(p.name)
    assert names == [preparation.STARTING, preparation.MODEL, preparation.DATA, preparation.TOKENIZE,
                     preparation.PACK, preparation.FIRST_STEPS, preparation.SAMPLES]
    tokenize = [p for p in phases if p.name == preparation.TOKENIZE]
    assert {p.records for p in tokenize} == {202}  # the tutorial's 2 + 2 x 100 records
    fractions = [p.fraction for p in tokenize]
    assert min(fractions) == 0.0 and max(fractions) == 1.0
    assert any(0 < f < 1 for f in fractions)  # states in between, e.g. 7/202
    assert {p.records for p in phases if p.name == preparation.PACK} == {202}  # not the 32 packed samples
    assert [p.samples for p in phases if p.name == preparation.FIRST_STEPS] == [32]
    assert phases[-1] == Phase(preparation.SAMPLES, samples=32)


def test_a_bar_after_the_data_is_ready_does_not_go_back():
    prep = preparation.Preparation()
    prep.update("12/02 04:40:26 - mmengine - INFO - Num train samples 32\n")
    prep.update("\rMap (num_proc=32):  45%|████▌     | 91/202 [00:00<00:00, 9.1 examples/s]")
    assert prep.phase == Phase(preparation.FIRST_STEPS, samples=32)


def test_model_shards_bar_counts_as_loading_the_model():
    prep = preparation.Preparation()
    prep.update("12/02 04:40:16 - mmengine - INFO - Config:\nSYSTEM = ''\n")
    assert prep.phase.name == preparation.MODEL
    prep.update("\rLoading checkpoint shards:  50%|█████     | 1/2 [00:03<00:03,  3.01s/it]")
    assert prep.phase == Phase(preparation.MODEL, 0.5)


def test_bar_state_is_what_a_terminal_shows():
    line = "\rMap (num_proc=32):   0%|          | 0/202 [00:00<?, ? examples/s]\rMap (num_proc=32):  50%|█| 101/202 [x]"
    assert preparation.bar_state(line) == "Map (num_proc=32):  50%|█| 101/202 [x]"
    assert preparation.bar_state("plain line") == "plain line"
    assert preparation.bar_state("\r") == ""


# ---------------------------------------------------------------- Watch over a log being written


def _job(tmp_path: Path) -> Path:
    job = tmp_path / "run"
    job.mkdir()
    return job


def test_watch_collapses_bars_while_the_log_grows_in_odd_pieces(tmp_path):
    job = _job(tmp_path)
    log = jobs.log_path(job)
    log.write_bytes(b"")
    watch = monitor.Watch(job)
    # Written in pieces that cut lines and bar states anywhere (a multi-byte block char included).
    pieces = [PREP_LOG[i:i + 97] for i in range(0, len(PREP_LOG), 97)]
    seen_fractions = set()
    with open(log, "ab") as f:
        for piece in pieces:
            f.write(piece)
            f.flush()
            watch.read()
            phase = watch.preparation.phase
            if phase.name == preparation.TOKENIZE:
                seen_fractions.add(phase.fraction)
            # Never more than one state of a bar in the shown lines.
            assert all(line.count("%|") <= 1 for line in watch.lines)
    shown = list(watch.lines)
    bars = [line for line in shown if "%|" in line]
    # The real log's seven bars (template, filter, tokenize, filter, shuffle, pack, lengths): their last states.
    assert len(bars) == 7 and all("100%|" in b for b in bars), bars
    assert any(line.startswith("Generating train split: 202 examples") for line in shown)
    assert sum("Generating train split" in line for line in shown) == 1
    assert "\r" not in "".join(shown)
    assert len(seen_fractions) > 3  # the fraction moved while the bars ran
    assert watch.progress.iteration == 20 and watch.progress.total == 96
    raw_lines = PREP_LOG.decode().replace("\r", "\n").count("\n")
    assert len(shown) < raw_lines - 20  # the 30-odd bar states are gone


def test_watch_shows_a_bar_in_progress_before_its_line_ends(tmp_path):
    job = _job(tmp_path)
    log = jobs.log_path(job)
    log.write_text("12/02 04:40:17 - mmengine - INFO - Hooks will be executed in the following order:\n"
                   "\rMap (num_proc=32):   0%|          | 0/202 [00:00<?, ? examples/s]"
                   "\rMap (num_proc=32):  28%|██▊       | 56/202 [00:00<00:00, 177.08 examples/s]", encoding="utf-8")
    watch = monitor.Watch(job)
    snap = monitor.snapshot(watch)
    assert snap.phase == Phase(preparation.TOKENIZE, 56 / 202, records=202)
    assert snap.log_tail.splitlines()[-1].startswith("Map (num_proc=32):  28%")
    with open(log, "a", encoding="utf-8") as f:
        f.write("\rMap (num_proc=32): 100%|██████████| 202/202 [00:00<00:00, 294.60 examples/s]\nnext line\n")
    snap = monitor.snapshot(watch)
    assert snap.log_tail.splitlines()[-2:] == [
        "Map (num_proc=32): 100%|██████████| 202/202 [00:00<00:00, 294.60 examples/s]", "next line"]
    assert snap.phase.fraction == 1.0


def test_read_from_can_end_lines_at_carriage_returns(tmp_path):
    path = tmp_path / "output.log"
    path.write_bytes(b"a\n\rbar 1%\rbar 2%")
    assert logs.read_from(path, 0) == ("a\n", 2)
    text, off = logs.read_from(path, 0, ends=b"\n\r")
    assert text == "a\n\rbar 1%\r" and off == len(b"a\n\rbar 1%\r")


# ---------------------------------------------------------------- scalars and the config


def _scalars(work_dir: Path, rows: list[dict], stamp: str = "20261202_044016") -> Path:
    path = work_dir / stamp / "vis_data" / "scalars.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def test_scalars_reader_reads_only_what_was_appended(tmp_path):
    reader = logs.ScalarsReader(tmp_path)
    assert reader.update() is False and reader.rows == [] and reader.version == 0
    path = _scalars(tmp_path, [{"iter": 10, "loss": 3.0}, {"iter": 20, "loss": 2.5}])
    assert reader.update() is True and [r["iter"] for r in reader.rows] == [10, 20] and reader.version == 1
    assert reader.update() is False and reader.version == 1  # nothing new: the charts stay as they are
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"iter": 30, "loss": 2.0}\n{"iter": 40, "lo')  # a row still being written
    assert reader.update() is True and [r["iter"] for r in reader.rows] == [10, 20, 30]
    with open(path, "a", encoding="utf-8") as f:
        f.write('ss": 1.5}\nnot json\n')
    assert reader.update() is True and [r["iter"] for r in reader.rows] == [10, 20, 30, 40]
    # A resume writes a second timestamped folder; it went back to its checkpoint, so its rows
    # replace what the stopped start logged from there on (no step twice), as read_scalars does.
    _scalars(tmp_path, [{"iter": 25, "loss": 2.2}], stamp="20261202_050000")
    reader.update()
    assert [r["iter"] for r in reader.rows] == [10, 20, 25]
    assert reader.rows == logs.read_scalars(tmp_path)
    path.write_text('{"iter": 10, "loss": 9.0}\n', encoding="utf-8")  # replaced by a shorter file
    reader.update()
    assert [(r["iter"], r["loss"]) for r in reader.rows] == [(10, 9.0), (25, 2.2)]


def test_run_settings_parsed_once_per_change_of_the_config(tmp_path, monkeypatch):
    run = _job(tmp_path)
    config = RunPaths(run).config
    config.write_text("lr = 0.0002\nprompt_template = PROMPT_TEMPLATE.qwen_chat\n"
                      "evaluation_inputs = ['你是谁', 'Who are you']\n", encoding="utf-8")
    calls = []
    real = cfg.read_settings
    monkeypatch.setattr(cfg, "read_settings", lambda source: calls.append(1) or real(source))
    assert monitor.run_settings(run)["lr"] == 0.0002
    assert monitor.run_settings(run)["lr"] == 0.0002
    assert len(calls) == 1
    template, questions = monitor.sample_setup(run)
    assert template["INSTRUCTION"].startswith("<|im_start|>user") and questions == ["你是谁", "Who are you"]
    config.write_text("lr = 0.001\n", encoding="utf-8")
    assert monitor.run_settings(run)["lr"] == 0.001 and len(calls) == 2
    assert monitor.sample_setup(run) == (None, [])
    assert monitor.run_settings(tmp_path / "nowhere") == {}


def test_history_row_worked_out_again_only_when_the_run_changed(tmp_path, monkeypatch):
    run = _job(tmp_path)
    (run / "job.json").write_text(json.dumps({"started": 1.0, "meta": {"source_config": "a.py"}}), encoding="utf-8")
    (run / "exit.json").write_text(json.dumps({"exit_code": 0, "finished": 61.0}), encoding="utf-8")
    jobs.log_path(run).write_text("12/02 04:40:29 - mmengine - INFO - Iter(train) [90/96]  loss: 2.0\n", "utf-8")
    path = _scalars(RunPaths(run).work_dir, [{"iter": 90, "loss": 2.0, "time": 0.1}])
    reads = []
    real = logs.read_scalars
    monkeypatch.setattr(logs, "read_scalars", lambda work_dir: reads.append(1) or real(work_dir))
    first = monitor.summarize(run)
    assert (first.state, first.iterations, first.final_loss, first.duration) == (jobs.SUCCEEDED, 96, 2.0, 60.0)
    assert monitor.summarize(run) == first and len(reads) == 1
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"iter": 96, "loss": 1.9, "time": 0.1}) + "\n")
    assert monitor.summarize(run).final_loss == 1.9 and len(reads) == 2
    shutil.rmtree(RunPaths(run).work_dir)
    assert monitor.summarize(run).final_loss is None
