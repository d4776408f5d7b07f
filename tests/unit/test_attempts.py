"""core.attempts and the resume shape: a resume is the next attempt of the same run; the earlier
attempt's job files move to attempts/N and come back when the new one cannot start; the run's
charts read as one line from step 0; the ETA counts down between log lines (fake clock)."""

from __future__ import annotations

import json
import time

import pytest

from core import attempts, eta, jobs, logs, monitor, run_outcome, runs
from core.runs import RunPaths
from core.workspace import atomic_write_json


def _ended_attempt(run_dir, *, started: float, finished: float, resumed_from: str | None = None,
                   stopped: bool = True, log: str = "first attempt\n", source: str = "/cfg/c.py") -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / "job.json", {"kind": "train", "started": started, "steps": [],
                                             "meta": {"resumed_from": resumed_from, "source_config": source,
                                                      "dataset_hash": "abc"}})
    atomic_write_json(run_dir / "exit.json", {"exit_code": -15 if stopped else 0, "finished": finished})
    if stopped:
        atomic_write_json(run_dir / "stop.json", {"t": finished})
    (run_dir / jobs.LOG_NAME).write_text(log, encoding="utf-8")


def test_archive_moves_the_ended_attempts_files_and_restore_puts_them_back(tmp_path):
    run = tmp_path / "run"
    _ended_attempt(run, started=1000.0, finished=1100.0)
    (run / "config.py").write_text("x = 1\n", "utf-8")
    (run / "work_dir").mkdir()
    assert attempts.number(run) == 1
    kept = attempts.archive(run)
    assert kept == run / "attempts" / "1"
    assert sorted(p.name for p in kept.iterdir()) == ["exit.json", "job.json", "output.log", "stop.json"]
    assert not (run / "job.json").exists()
    assert (run / "config.py").exists() and (run / "work_dir").is_dir()  # the run's own things stay
    assert attempts.number(run) == 2
    attempts.restore(run, kept)
    assert (run / "job.json").exists() and (run / jobs.LOG_NAME).read_text("utf-8") == "first attempt\n"
    assert not (run / "attempts").exists()
    assert jobs.status(run).state == jobs.STOPPED


def test_archive_refuses_a_running_attempt(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    atomic_write_json(run / "job.json", {"kind": "train", "started": time.time(), "steps": [], "meta": {}})
    with pytest.raises(jobs.JobError):  # a record without a pid yet is a start under way
        attempts.archive(run)
    assert (run / "job.json").exists()


def test_history_adds_up_the_attempts(tmp_path):
    run = tmp_path / "run"
    _ended_attempt(run, started=1000.0, finished=1100.0)
    attempts.archive(run)
    _ended_attempt(run, started=2000.0, finished=2050.0, resumed_from=str(run / "work_dir" / "iter_60.pth"))
    attempts.archive(run)
    _ended_attempt(run, started=3000.0, finished=3010.0, resumed_from=str(run / "work_dir" / "iter_90.pth"),
                   stopped=False)
    h = attempts.history(run)
    assert (h.attempts, h.resumed_at, h.earlier_seconds) == (3, [60, 90], 150.0)
    s = monitor.summarize(run)
    assert s.duration == pytest.approx(160.0)
    assert s.config == "c.py" and s.state == jobs.SUCCEEDED


def test_a_resume_that_cannot_start_leaves_the_run_as_it_was(ws, monkeypatch):
    run = RunPaths(ws.runs_dir / "20260101-000000-train")
    _ended_attempt(run.root, started=1000.0, finished=1100.0)
    run.config.write_text("x = 1\n", "utf-8")
    run.work_dir.mkdir()

    def refuse(*_a, **_k):
        raise jobs.JobError("the machine said no")

    monkeypatch.setattr(jobs, "start", refuse)
    with pytest.raises(jobs.JobError, match="said no"):
        with runs.attempt_folder(ws, run.config, "train", into=run.root):
            jobs.start()
    assert (run.root / "job.json").exists() and not (run.root / "attempts").exists()
    assert ws.run_dirs() == [run.root]  # nothing removed, nothing added


def test_continued_meta_keeps_the_runs_config_name_and_data_version(tmp_path):
    run = tmp_path / "run"
    _ended_attempt(run, started=1.0, finished=2.0, source="/ws/configs/mine.py")
    new = {"source_config": str(run / "config.py"), "dataset_hash": "new", "resumed_from": "x/iter_10.pth"}
    merged = runs.continued_meta(run, new)
    assert merged["source_config"] == "/ws/configs/mine.py" and merged["dataset_hash"] == "abc"
    assert merged["resumed_from"] == "x/iter_10.pth"


def test_a_resumes_rows_replace_what_the_stopped_start_logged_after_its_checkpoint(tmp_path):
    """Stopped at 70 with a checkpoint at 60, resumed from 60: steps 61..70 are trained again."""
    first = tmp_path / "20241127_201000" / "vis_data"
    second = tmp_path / "20241127_203000" / "vis_data"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    (first / "scalars.json").write_text("".join(json.dumps({"loss": 3.0, "iter": i}) + "\n"
                                                for i in range(10, 80, 10)), "utf-8")
    (second / "scalars.json").write_text("".join(json.dumps({"loss": 1.0, "iter": i}) + "\n"
                                                 for i in range(70, 110, 10)), "utf-8")
    rows = logs.read_scalars(tmp_path)
    assert [r["iter"] for r in rows] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert [r["loss"] for r in rows][5:7] == [3.0, 1.0]  # iteration 70 is the resumed attempt's


def _progress(line: str) -> logs.Progress:
    return logs.update_progress(logs.Progress(), line)


def test_eta_counts_down_from_the_logged_line():
    line = ("12/02 04:40:00 - mmengine - INFO - Iter(train) [ 10/153]  lr: 1.0000e-04  eta: 0:02:30  "
            "time: 1.0000  loss: 2.0000")
    prog = _progress(line)
    assert (prog.eta, prog.eta_logged) == ("0:02:30", "12/02 04:40:00")
    logged = time.mktime((2026, 12, 2, 4, 40, 0, 0, 0, -1))
    assert eta.remaining(prog, now=logged + 3) == 147
    assert eta.format_left(eta.remaining(prog, now=logged + 65)) == "0:01:25"
    assert eta.remaining(prog, now=logged + 400) == 0  # slower than logged: not below zero
    # The next logged line corrects it.
    logs.update_progress(prog, line.replace("04:40:00", "04:41:00").replace("[ 10/", "[ 20/")
                         .replace("0:02:30", "0:02:10"))
    assert eta.remaining(prog, now=logged + 65) == 125


def test_eta_without_a_line_time_or_across_new_year():
    prog = _progress("Iter(train) [10/90000]  lr: 2.0000e-04  eta: 1 day, 2:03:04  time: 1.0000  loss: 1.0000")
    assert prog.eta_logged is None
    assert eta.remaining(prog, now=5.0) == 93784  # as logged
    assert eta.format_left(93784) == "1 day, 2:03:04"
    new_year = time.mktime((2027, 1, 1, 0, 0, 30, 0, 0, -1))
    late = _progress("12/31 23:59:50 - mmengine - INFO - Iter(train) [ 10/153]  eta: 0:01:00  time: 1.0")
    assert eta.remaining(late, now=new_year) == 20  # logged 40 s before, last year
    assert eta.parse_eta("soon") is None and _progress("no iteration here").eta is None


def test_outcome_says_what_comes_next(tmp_path):
    run = tmp_path / "run"
    prog = _progress("Iter(train) [ 60/153]  eta: 0:01:00  time: 1.0")
    assert run_outcome.outcome(run, prog, jobs.STOPPED).next == run_outcome.RESTART
    (run / "work_dir").mkdir(parents=True)
    import zipfile

    with zipfile.ZipFile(run / "work_dir" / "iter_60.pth", "w") as z:
        z.writestr("data.pkl", b"x")
    stopped = run_outcome.outcome(run, prog, jobs.STOPPED)
    assert (stopped.next, stopped.step, stopped.total, stopped.checkpoint.name) == (
        run_outcome.RESUME, 60, 153, "iter_60.pth")
    assert run_outcome.iteration_of(stopped.checkpoint) == 60
    done = run_outcome.outcome(run, prog, jobs.SUCCEEDED)
    assert (done.next, done.step) == (run_outcome.CONVERT, 153)
    assert run_outcome.outcome(run, prog, jobs.RUNNING).next == run_outcome.WAIT
    assert run_outcome.outcome(run, prog, jobs.FAILED).next == run_outcome.RESUME
