"""core.cluster and core.slurm without a cluster: the batch script, the node commands, input checks,
Slurm's words turned into plain keys, and the shared-disk check. (Real Slurm: tests/e2e.)"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from core import cluster, jobs, recipes, slurm, xtuner_cli
from core.workspace import Workspace


@pytest.fixture()
def wsp(tmp_path) -> Workspace:
    return Workspace.resolve(tmp_path / "ws")


def test_batch_script_has_every_option_and_runs_the_supervisor(wsp):
    run = wsp.runs_dir / "r1"
    spec = cluster.SlurmSpec(partition="gpu", nodes=2, gpus_per_node=8, cpus_per_task=6, time_limit="1-12:00:00",
                             extra=("--account=proj", "--qos high"))
    script = cluster.render_script(run, spec, wsp.root)
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    for expected in ("#SBATCH --partition=gpu", "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=8",
                     "#SBATCH --gres=gpu:8", "#SBATCH --cpus-per-task=6", "#SBATCH --time=1-12:00:00",
                     f"#SBATCH --output={run}/output.log", "#SBATCH --open-mode=append",
                     f"#SBATCH --chdir={wsp.root}", "#SBATCH --account=proj", "#SBATCH --qos high"):
        assert expected in lines, expected
    # Every #SBATCH line comes before the first command (sbatch stops reading them there).
    first_cmd = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    assert all(i < first_cmd for i, line in enumerate(lines) if line.startswith("#SBATCH"))
    assert lines[-1] == f"exec {shlex.quote(sys.executable)} {jobs.RUNNER} \"$RUN\""
    # bash can parse it
    path = run / "s.sbatch"
    path.parent.mkdir(parents=True)
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0


def test_cpu_only_script_asks_for_no_gpus(wsp):
    script = cluster.render_script(wsp.runs_dir / "r", cluster.SlurmSpec(gpus_per_node=0, cpus_per_task=2), wsp.root)
    assert "--gres" not in script and "#SBATCH --ntasks-per-node=1" in script
    assert "--partition" not in script and "--time" not in script  # the cluster's defaults


def test_srun_step_runs_one_xtuner_task_per_gpu_with_the_slurm_launcher(wsp):
    spec = cluster.SlurmSpec(nodes=2, gpus_per_node=4, cpus_per_task=8)
    inv = xtuner_cli.train(Path("/c.py"), Path("/w"), launcher="slurm", accumulative_counts=2)
    step = cluster.srun_step(spec, inv)
    assert step.argv[:4] == ["srun", "--kill-on-bad-exit=1", "--ntasks-per-node=4", "--cpus-per-task=8"]
    assert step.argv[4:6] == [sys.executable, str(xtuner_cli.LAUNCHER)]
    assert step.argv[-2:] == ["--launcher", "slurm"] and "torch.distributed.run" not in step.argv
    assert step.display.startswith("srun --kill-on-bad-exit=1 --ntasks-per-node=4 --cpus-per-task=8 xtuner train ")
    assert "optim_wrapper.accumulative_counts=2" in step.display
    assert spec.processes == 8


def test_preview_shows_the_exact_sbatch_command(wsp, tmp_path):
    cfg = tmp_path / "c.py"
    cfg.write_text("x = 1\n")
    script, command = cluster.preview_slurm(wsp, cfg, cluster.SlurmSpec(partition="p"))
    assert command == f"sbatch --parsable '{wsp.runs_dir}/<run>/slurm.sbatch'"
    assert shlex.split(command) == cluster.submit_argv(wsp.runs_dir / "<run>")
    assert "#SBATCH --partition=p" in script and "--launcher slurm" in script


@pytest.mark.parametrize(("spec", "key", "field"), [
    (cluster.SlurmSpec(partition="a b"), "cluster.bad_partition", "partition"),
    (cluster.SlurmSpec(nodes=0), "cluster.bad_nodes", "nodes"),
    (cluster.SlurmSpec(gpus_per_node=-1), "cluster.bad_gpus", "gpus_per_node"),
    (cluster.SlurmSpec(cpus_per_task=0), "cluster.bad_cpus", "cpus_per_task"),
    (cluster.SlurmSpec(time_limit="12 hours"), "cluster.bad_time", "time_limit"),
    (cluster.SlurmSpec(extra=("account=x",)), "cluster.bad_extra", "extra"),
    (cluster.SlurmSpec(extra=("--qos=a", "--output=/tmp/x")), "cluster.reserved_extra", "extra"),
])
def test_bad_slurm_input_names_its_field(spec, key, field):
    errors = cluster.validate_slurm(spec)
    assert [(e.key, e.field) for e in errors] == [(key, field)]
    if key == "cluster.reserved_extra":
        assert errors[0].values == {"line": 2, "value": "--output"}


@pytest.mark.parametrize("limit", ["", "90", "30:00", "12:00:00", "2-00", "2-12:00", "1-12:00:00"])
def test_slurm_time_formats_accepted(limit):
    assert cluster.validate_slurm(cluster.SlurmSpec(time_limit=limit)) == []


def test_parse_extra_one_option_per_line():
    assert cluster.parse_extra("--account=a\n\n  --qos high  \n") == ("--account=a", "--qos high")


def test_node_commands_are_xtuners_multi_node_form(wsp, tmp_path):
    cfg = tmp_path / "c.py"
    cfg.write_text("x = 1\n")
    spec = cluster.NodesSpec(nodes=3, gpus_per_node=8, master_addr="node0.lab", master_port=29600)
    keep = recipes.accumulation_on(spec.processes, 1, 48)
    assert keep == 2  # 48 / (3 nodes x 8 GPUs): the one-GPU effective batch is kept
    cmds = cluster.node_commands(wsp, cfg, spec, accumulative_counts=keep)
    assert len(cmds) == 3
    for rank, inv in enumerate(cmds):
        assert inv.display.startswith(f"NPROC_PER_NODE=8 NNODES=3 NODE_RANK={rank} ADDR=node0.lab PORT=29600 "
                                      "xtuner train ")
        argv = inv.argv
        assert argv[1:3] == ["-m", "torch.distributed.run"]
        for flag, value in (("--nnodes", "3"), ("--node_rank", str(rank)), ("--nproc_per_node", "8"),
                            ("--master_addr", "node0.lab"), ("--master_port", "29600")):
            assert argv[argv.index(flag) + 1] == value
        assert argv[-2:] == ["--launcher", "pytorch"]
        assert "optim_wrapper.accumulative_counts=2" in argv
        # A person's NNODES/NODE_RANK must not leak into the run (torchrun gets them as options).
        assert {"NNODES", "NODE_RANK", "NPROC_PER_NODE"} <= set(inv.drop_env)


@pytest.mark.parametrize(("spec", "key"), [
    (cluster.NodesSpec(nodes=1, master_addr="a"), "cluster.bad_nodes_by_hand"),
    (cluster.NodesSpec(master_addr=""), "cluster.bad_master"),
    (cluster.NodesSpec(master_addr="a b"), "cluster.bad_master"),
    (cluster.NodesSpec(master_addr="a", master_port=80), "cluster.bad_port"),
])
def test_bad_nodes_input(spec, key):
    assert [e.key for e in cluster.validate_nodes(spec)] == [key]


def test_node_rank_out_of_range_is_refused():
    with pytest.raises(ValueError):
        xtuner_cli.train(Path("/c.py"), Path("/w"), nodes=2, node_rank=2)


@pytest.mark.parametrize(("stderr", "key"), [
    ("sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: "
     "Invalid partition name specified", "cluster.err.partition"),
    ("sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified",
     "cluster.err.account"),
    ("sbatch: error: Batch job submission failed: Invalid generic resource (gres) specification",
     "cluster.err.gres"),
    ("sbatch: error: Batch job submission failed: Requested node configuration is not available",
     "cluster.err.too_big"),
    ("sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)",
     "cluster.err.time"),
    ("sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, user's "
     "size and/or time limits)", "cluster.err.qos"),
    ("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)",
     "cluster.err.controller"),
    ("sbatch: unrecognized option '--acount=x'", "cluster.err.option"),
    ("sbatch: error: something new", "cluster.err.other"),
])
def test_sbatch_refusals_in_plain_words(stderr, key):
    assert slurm.explain_submit_error(stderr) == key


@pytest.mark.parametrize(("reason", "key"), [
    (None, "cluster.reason.none"), ("Priority", "cluster.reason.priority"),
    ("Resources", "cluster.reason.resources"), ("ReqNodeNotAvail, UnavailableNodes:gpu[01-02]",
                                                 "cluster.reason.nodes_unavailable"),
    ("QOSMaxGRESPerUser", "cluster.reason.limits"), ("AssocGrpGRES", "cluster.reason.limits"),
    ("PartitionTimeLimit", "cluster.reason.time_limit"), ("SomethingNew", "cluster.reason.other"),
])
def test_pending_reasons_in_plain_words(reason, key):
    assert slurm.reason_key(reason) == key


def test_every_key_core_can_give_has_words_in_both_languages():
    from ui.text.cluster import STRINGS

    keys = {key for _, key in slurm.SUBMIT_ERRORS} | {"cluster.err.other", "cluster.err.no_sbatch"}
    keys |= {f"cluster.reason.{v}" for v in slurm.PENDING_REASONS.values()}
    keys |= {"cluster.reason.none", "cluster.reason.limits", "cluster.reason.other"}
    keys |= set(slurm.END_REASONS.values()) | {"cluster.unreachable"}
    for spec_errors in (cluster.validate_slurm(cluster.SlurmSpec(partition="a b", nodes=0, gpus_per_node=-1,
                                                                 cpus_per_task=0, time_limit="x",
                                                                 extra=("x", "-o y"))),
                        cluster.validate_nodes(cluster.NodesSpec(nodes=1, master_addr="", master_port=1))):
        keys |= {e.key for e in spec_errors}
    import ui.i18n  # noqa: F401  (every page's strings load without a duplicate)

    missing = [k for k in keys if k not in STRINGS or not STRINGS[k].get("zh") or not STRINGS[k].get("en")]
    assert missing == []


def test_disk_sharing_reads_the_mount_table(tmp_path):
    found = cluster.disk_sharing(tmp_path)
    assert found.fstype  # this machine has a mount table
    assert found.shared is (True if found.fstype in cluster.SHARED_FS else
                            False if found.fstype in cluster.LOCAL_FS else None)
    assert cluster.disk_sharing(Path("/proc")).fstype == "proc"


def test_slurm_job_record_without_a_cluster_is_not_taken_for_dead(wsp, monkeypatch):
    """Status of a Slurm job when the controller does not answer: still active, and it says why."""
    run = wsp.runs_dir / "r"
    run.mkdir(parents=True)
    from core.workspace import atomic_write_json

    atomic_write_json(run / "job.json", {"kind": "train", "backend": "slurm", "started": 1.0,
                                         "slurm": {"job_id": "77"}, "meta": {}})
    monkeypatch.setattr(slurm, "_query", lambda job_id: slurm.UNREACHABLE)  # no controller on this machine
    slurm._cache.clear()
    st = jobs.status(run)
    assert st.state == jobs.RUNNING and st.detail == "cluster.unreachable"
    monkeypatch.setattr(slurm, "_query", lambda job_id: slurm.JobInfo("PENDING", "Priority"))
    slurm._cache.clear()
    st = jobs.status(run)
    assert st.state == jobs.PENDING and cluster.pending_reason(st) == "cluster.reason.priority"
    monkeypatch.setattr(slurm, "_query", lambda job_id: slurm.JobInfo("TIMEOUT"))
    slurm._cache.clear()
    st = jobs.status(run)
    assert st.state == jobs.FAILED and st.detail == "fail.slurm_time_limit"
    # Slurm forgets the job later (no accounting here): the run keeps Slurm's verdict.
    monkeypatch.setattr(slurm, "_query", lambda job_id: None)
    slurm._cache.clear()
    st = jobs.status(run)
    assert st.state == jobs.FAILED and st.detail == "fail.slurm_time_limit"


def test_slurm_job_forgotten_by_slurm_is_stopped_if_asked_else_failed(wsp, monkeypatch):
    from core.workspace import atomic_write_json

    run = wsp.runs_dir / "r"
    run.mkdir(parents=True)
    atomic_write_json(run / "job.json", {"kind": "train", "backend": "slurm", "started": 1.0,
                                         "slurm": {"job_id": "78"}, "meta": {}})
    monkeypatch.setattr(slurm, "_query", lambda job_id: None)
    slurm._cache.clear()
    assert jobs.status(run).state == jobs.FAILED and not (run / "exit.json").exists()
    atomic_write_json(run / "stop.json", {"t": 2.0})
    assert jobs.status(run).state == jobs.STOPPED


def test_slurm_resume_is_the_next_attempt_of_the_same_run(wsp, tmp_path, monkeypatch):
    """No Slurm here: ``sbatch`` is a stand-in that answers a job id, and Slurm's answer about the
    job is given (tests/e2e/test_cluster_slurm.py resumes on a real one)."""
    from core import attempts, runs
    from core.runs import RunPaths
    from core.workspace import atomic_write_json

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text("#!/bin/sh\necho $$\n")
    (bin_dir / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.setattr(slurm, "_query", lambda job_id: slurm.JobInfo("RUNNING"))
    slurm._cache.clear()
    cfg = wsp.configs_dir / "mine.py"
    cfg.write_text("x = 1\n")
    spec = cluster.SlurmSpec(partition="p", nodes=1, gpus_per_node=0, cpus_per_task=1)
    run_dir = cluster.submit(wsp, cfg, spec, seed=0)
    first_id = cluster.slurm_job_id(run_dir)
    ckpt = RunPaths(run_dir).work_dir / "iter_4.pth"
    ckpt.parent.mkdir(parents=True)
    import zipfile

    with zipfile.ZipFile(ckpt, "w") as z:
        z.writestr("data.pkl", b"x")
    with pytest.raises(jobs.JobError):  # not while it runs
        cluster.resume(wsp, run_dir)
    atomic_write_json(run_dir / "stop.json", {"t": 5.0})
    atomic_write_json(run_dir / "exit.json", {"exit_code": -15, "finished": 5.0})

    resumed = cluster.resume(wsp, run_dir)
    assert resumed == run_dir and wsp.run_dirs() == [run_dir]
    assert cluster.where(run_dir) == cluster.SLURM and cluster.slurm_job_id(run_dir) != first_id
    info = runs.meta(run_dir)
    assert info["resumed_from"] == str(ckpt) and info["source_config"] == str(cfg)
    assert f"--resume {ckpt}" in jobs.status(run_dir).record["display"]
    kept = run_dir / "attempts" / "1"
    assert (kept / "slurm.sbatch").is_file() and cluster.script_path(run_dir).is_file()
    assert (jobs.status(kept).record["slurm"]["job_id"]) == first_id
    assert attempts.history(run_dir).resumed_at == [4]
