"""Several nodes by hand on one host: two "nodes" (torchrun NNODES=2, NODE_RANK 0 and 1, 127.0.0.1,
gloo on CPU) train the demo model together, and each optimizer step's loss matches a one-node run
with the same number of processes (two), so the nodes really trained one model together.

Node 0's share is started by core as the Train page does; node 1's command is the one the page
shows to copy, run here as a person on the other node would (same argv and environment).
"""

from __future__ import annotations

import math
import subprocess

from core import cluster, jobs, runs, xtuner_cli
from core.runs import RunPaths
from tests.conftest import wait_job
from tests.e2e.cluster_setup import cheap_config, losses, split_shown


def test_two_nodes_by_hand_train_like_one_node_with_two_processes(ws, demo_model):
    # accumulation 2 on one GPU; on 2 processes the page keeps the effective batch with 1.
    cfg_path = cheap_config(ws, demo_model, "nodes.py", records=12, accumulative_counts=2)
    spec = cluster.NodesSpec(nodes=2, gpus_per_node=0, master_addr="127.0.0.1", master_port=xtuner_cli.free_port())
    run_dir = cluster.start_node_share(ws, cfg_path, spec, accumulative_counts=1, seed=0)
    record = jobs.status(run_dir).record
    shown = record["meta"]["node_commands"]
    for rank, command in enumerate(shown):  # XTuner's own multi-node form (and OMP_NUM_THREADS=1: a small model)
        settings, words = split_shown(command)
        assert words[:2] == ["xtuner", "train"], command
        assert {k: v for k, v in settings.items() if k != "OMP_NUM_THREADS"} == {
            "NPROC_PER_NODE": "1", "NNODES": "2", "NODE_RANK": str(rank), "ADDR": "127.0.0.1",
            "PORT": str(spec.master_port)}, command
    assert all("optim_wrapper.accumulative_counts=1" in c for c in shown)

    argv, env = cluster.other_node_env(run_dir, 1)
    other_log = ws.root / "node1.log"
    with open(other_log, "wb") as log:
        other = subprocess.Popen(argv, env=env, cwd=ws.root, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        st = wait_job(run_dir, 900)
        other_code = other.wait(timeout=120)
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    assert other_code == 0, other_log.read_text(errors="replace")[-3000:]
    assert cluster.where(run_dir) == cluster.NODES
    two_nodes = losses(RunPaths(run_dir).work_dir)

    one_node = runs.start_training(ws, cfg_path, gpus=2, accumulative_counts=1, seed=0)
    st = wait_job(one_node, 900)
    assert st.state == jobs.SUCCEEDED, jobs.log_path(one_node).read_text(errors="replace")[-3000:]
    reference = losses(RunPaths(one_node).work_dir)

    assert len(reference) >= 3 and sorted(two_nodes) == sorted(reference), (two_nodes, reference)
    for step, loss in reference.items():
        assert math.isclose(two_nodes[step], loss, rel_tol=1e-4, abs_tol=1e-5), (step, two_nodes[step], loss)
    # And the steps did train: the loss moved.
    assert reference[min(reference)] != reference[max(reference)]
