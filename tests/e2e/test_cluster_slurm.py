"""Training on a real Slurm cluster through core (one node on localhost, started by .ci/slurm-up).

XTuner runs for real under ``srun ... --launcher slurm`` (one task on CPUs, gloo). The tests
check what a person sees: the state (pending/running, then succeeded, or stopped after
``scancel``), the same run view as a local run, the state derived again by a fresh process
(the app restarted), resume from the newest complete checkpoint, and Slurm's refusal of a
partition that does not exist, in plain words.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core import cluster, convert, jobs, logs, monitor, runs, slurm
from core.runs import RunPaths
from tests.conftest import wait_job
from tests.e2e.cluster_setup import ROOT, cheap_config, losses, slurm_partition, split_shown, wait_for


@pytest.fixture(scope="module")
def partition() -> str:
    return slurm_partition()


def _spec(partition: str) -> cluster.SlurmSpec:
    return cluster.SlurmSpec(partition=partition, nodes=1, gpus_per_node=0, cpus_per_task=2, time_limit="30:00")


_FRESH_PROCESS = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from core import jobs, monitor
snap = monitor.snapshot(monitor.Watch(Path(sys.argv[2])))
print(json.dumps({"state": snap.status.state, "job_id": snap.status.record["slurm"]["job_id"],
                  "iteration": snap.progress.iteration, "total": snap.progress.total}))
"""


def _settled(job_id: str):
    """Slurm's final word on a job: its JobInfo once it is no longer COMPLETING, "forgotten" if gone."""
    info = slurm.query(job_id, fresh=True)
    if info is None:
        return "forgotten"
    return None if info.state == "COMPLETING" else info


def _seen_by_a_fresh_process(run_dir) -> dict:
    """What a newly started app process derives for the run (nothing shared but the disk and Slurm)."""
    out = subprocess.run([sys.executable, "-c", _FRESH_PROCESS, str(ROOT), str(run_dir)], capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_slurm_training_succeeds_and_converts(ws, demo_model, partition):
    cfg_path = cheap_config(ws, demo_model, "slurm.py", records=8)
    run_dir = cluster.submit(ws, cfg_path, _spec(partition), seed=0)
    record = jobs.status(run_dir).record
    job_id = record["slurm"]["job_id"]
    assert job_id.isdigit() and record["backend"] == "slurm"
    assert record["slurm"]["submit_argv"] == ["sbatch", "--parsable", str(run_dir / "slurm.sbatch")]
    script = (run_dir / "slurm.sbatch").read_text(encoding="utf-8")
    assert f"#SBATCH --partition={partition}" in script and f"#SBATCH --output={run_dir}/output.log" in script
    settings, words = split_shown(record["display"])  # settings (OMP_NUM_THREADS=1 for a small model) go first
    assert "--launcher slurm" in record["display"] and words[0] == "srun", record["display"]
    assert set(settings) <= {"OMP_NUM_THREADS", "PYTHONPATH"}, record["display"]
    assert jobs.status(run_dir).state in (jobs.PENDING, jobs.RUNNING, jobs.SUCCEEDED)

    st = wait_job(run_dir, 900)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    assert st.exit_code == 0
    # Slurm agrees (while it still remembers the job); its epilog may keep it COMPLETING for a moment.
    info = wait_for(lambda: _settled(job_id), 120, f"Slurm job {job_id} to leave COMPLETING")
    assert info == "forgotten" or info.state == "COMPLETED", info
    # The same run view as a local run: progress, loss, samples.
    snap = monitor.snapshot(monitor.Watch(run_dir))
    assert snap.progress.total > 0 and snap.progress.iteration == snap.progress.total
    assert snap.progress.train_samples == snap.progress.total  # one packed sample per iteration (batch 1)
    assert losses(RunPaths(run_dir).work_dir), "no loss in scalars.json"
    assert monitor.sample_timeline(run_dir), "no sample answers"
    summary = monitor.summarize(run_dir)
    assert summary.state == jobs.SUCCEEDED and summary.iterations == snap.progress.total
    assert runs.checklist(ws)["trained"]

    job = runs.start_convert(ws, run_dir, do_convert=True, do_merge=False)
    st = wait_job(job, 600)
    assert st.state == jobs.SUCCEEDED, logs.tail(jobs.log_path(job), 40)
    assert convert.is_adapter_dir(RunPaths(run_dir).adapter)


def test_slurm_training_reattached_stopped_and_resumed(ws, demo_model, partition):
    cfg_path = cheap_config(ws, demo_model, "long.py", records=60, save_steps=4)
    run_dir = cluster.submit(ws, cfg_path, _spec(partition), seed=0)
    job_id = cluster.slurm_job_id(run_dir)
    # One training at a time per workspace, wherever it runs.
    with pytest.raises(jobs.JobError):
        runs.start_training(ws, cfg_path)

    work_dir = RunPaths(run_dir).work_dir
    wait_for(lambda: convert.checkpoints(work_dir), 900, "a first checkpoint of the Slurm job", run_dir)
    # The app restarted: a fresh process finds the same job in the same state from the disk and Slurm.
    seen = _seen_by_a_fresh_process(run_dir)
    assert seen["job_id"] == job_id and seen["state"] == jobs.RUNNING, seen
    assert seen["iteration"] >= 4 and seen["total"] > seen["iteration"], seen

    st = jobs.stop(run_dir, grace=15)
    assert st.state == jobs.STOPPED, logs.tail(jobs.log_path(run_dir), 30)
    info = slurm.query(job_id, fresh=True)
    assert info is None or info.ended, info
    assert _seen_by_a_fresh_process(run_dir)["state"] == jobs.STOPPED

    ckpt = convert.checkpoints(work_dir)[0]
    resumed = cluster.resume(ws, run_dir)
    assert cluster.where(resumed) == cluster.SLURM and cluster.slurm_job_id(resumed) != job_id
    assert resumed == run_dir, "a resume is the next attempt of the same run"
    assert runs.meta(resumed)["resumed_from"] == str(ckpt)

    def first_iter():
        if not jobs.log_path(resumed).exists():  # Slurm has not started it yet
            return None
        parsed = [logs.parse_iter_line(line) for line in
                  jobs.log_path(resumed).read_text(encoding="utf-8", errors="replace").splitlines()]
        return next((p for p in parsed if p), None)

    it, _total, _ = wait_for(first_iter, 900, "the resumed Slurm job's first iteration", resumed)
    assert it > int(ckpt.stem.split("_")[1]), f"resumed at {it}, checkpoint was {ckpt.name}"
    assert jobs.stop(resumed, grace=15).state == jobs.STOPPED


def test_bad_partition_is_refused_in_plain_words(ws, demo_model, partition):
    cfg_path = cheap_config(ws, demo_model, "bad.py", records=4)
    before = ws.run_dirs()
    spec = cluster.SlurmSpec(partition="no-such-partition", nodes=1, gpus_per_node=0, cpus_per_task=1)
    with pytest.raises(cluster.ClusterError) as caught:
        cluster.submit(ws, cfg_path, spec)
    err = caught.value
    assert err.key == "cluster.err.partition", err
    assert "partition" in err.slurm_says.lower(), err.slurm_says  # Slurm's own words, shown too
    assert partition in err.values["partitions"]
    # Nothing is left behind: no run folder for a job that never existed.
    assert ws.run_dirs() == before
    from ui.text.cluster import STRINGS

    for lang in ("zh", "en"):
        text = STRINGS["cluster.err.partition"][lang].format(**err.values)
        assert partition in text
