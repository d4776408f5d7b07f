"""Train page, beyond this machine: "where to run", the Slurm and by-hand forms, and what a cluster
run shows (its Slurm job, why it waits, the other nodes' commands). All logic is in core.cluster."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from core import cluster, jobs, monitor, slurm
from core.workspace import Workspace
from ui.flash import flash
from ui.i18n import t

Accumulation = Callable[[int, dict], "int | None"]


def where_to_run() -> str:
    return st.radio(t("cluster.where"), [cluster.LOCAL, cluster.SLURM, cluster.NODES], horizontal=True,
                    format_func=lambda o: t(f"cluster.where.{o}"), key="train.where")


def show_error(exc: jobs.JobError) -> None:
    """A refusal in plain words (and Slurm's own, when it refused)."""
    if isinstance(exc, cluster.ClusterError):
        st.error(t(exc.key, **exc.values))
        if exc.slurm_says:
            st.caption(t("cluster.slurm_says", text=exc.slurm_says))
    else:
        st.error(t("train.busy"))


@st.cache_data(ttl=60, show_spinner=False)
def _partitions() -> list[str]:
    return slurm.partitions()


def _shared_disk_note(ws: Workspace) -> None:
    st.info(t("cluster.shared_disk", ws=ws.root, py=sys.executable))
    seen = set()
    for disk in cluster.disks_to_share(ws):
        if (disk.fstype, disk.shared) in seen:
            continue
        seen.add((disk.fstype, disk.shared))
        if disk.shared is False:
            st.warning(t("cluster.disk_local", path=disk.path, fstype=disk.fstype))
        elif disk.shared is None:
            st.caption(t("cluster.disk_unknown", path=disk.path, fstype=disk.fstype or "?"))


def _errors(errors: list[cluster.ClusterError]) -> bool:
    for err in errors:
        st.error(t(err.key, **err.values))
    return bool(errors)


def slurm_form(ws: Workspace, config_path: Path, summary: dict, accumulation: Accumulation) -> None:
    missing = slurm.missing_commands()
    if missing:
        st.warning(t("cluster.no_sbatch", missing=", ".join(missing)))
    names = [] if missing else _partitions()
    c1, c2, c3, c4, c5 = st.columns(5)
    partition = c1.text_input(t("cluster.partition"), value=names[0] if names else "", key="train.slurm.partition",
                              help=t("cluster.partition_help", names=", ".join(names) or "–"))
    nodes = c2.number_input(t("cluster.nodes"), min_value=1, value=1, key="train.slurm.nodes")
    gpus = c3.number_input(t("cluster.gpus_per_node"), min_value=0, value=1, key="train.slurm.gpus",
                           help=t("cluster.gpus_per_node_help"))
    cpus = c4.number_input(t("cluster.cpus"), min_value=1, value=8, key="train.slurm.cpus")
    limit = c5.text_input(t("cluster.time"), value="", key="train.slurm.time", help=t("cluster.time_help"))
    extra = st.text_area(t("cluster.extra"), value="", key="train.slurm.extra", help=t("cluster.extra_help"), height=80)
    spec = cluster.SlurmSpec(partition=partition.strip(), nodes=int(nodes), gpus_per_node=int(gpus),
                             cpus_per_task=int(cpus), time_limit=limit.strip(), extra=cluster.parse_extra(extra))
    st.caption(t("cluster.batch_total", n=spec.processes, nodes=spec.nodes, per=spec.tasks_per_node))
    accum = accumulation(spec.processes, summary) if spec.processes > 1 else None
    bad = _errors(cluster.validate_slurm(spec))
    script, command = cluster.preview_slurm(ws, config_path, spec, accumulative_counts=accum)
    st.caption(t("cluster.script"))
    st.code(script, language="bash")
    st.caption(t("cluster.sbatch"))
    st.code(command, language="bash", wrap_lines=True)
    _shared_disk_note(ws)
    if st.button(t("cluster.submit"), type="primary", disabled=bool(missing) or bad, key="train.slurm.submit"):
        try:
            run_dir = cluster.submit(ws, config_path, spec, accumulative_counts=accum)
        except jobs.JobError as exc:
            show_error(exc)
        else:
            flash("success", t("cluster.submitted", name=run_dir.name, job=cluster.slurm_job_id(run_dir)))
            st.rerun()


def nodes_form(ws: Workspace, config_path: Path, summary: dict, accumulation: Accumulation) -> None:
    c1, c2, c3, c4 = st.columns([1, 1, 2, 1])
    nodes = c1.number_input(t("cluster.nodes"), min_value=2, value=2, key="train.nodes.count")
    gpus = c2.number_input(t("cluster.gpus_per_node"), min_value=0, value=1, key="train.nodes.gpus",
                           help=t("cluster.gpus_per_node_help"))
    addr = c3.text_input(t("cluster.master_addr"), value=cluster.this_host(), key="train.nodes.addr")
    port = c4.number_input(t("cluster.master_port"), min_value=1, max_value=65535, value=29500, key="train.nodes.port")
    spec = cluster.NodesSpec(nodes=int(nodes), gpus_per_node=int(gpus), master_addr=addr.strip(),
                             master_port=int(port))
    st.caption(t("cluster.batch_total", n=spec.processes, nodes=spec.nodes, per=spec.per_node))
    accum = accumulation(spec.processes, summary)
    bad = _errors(cluster.validate_nodes(spec))
    if not bad:
        st.caption(t("cluster.node_commands"))
        for rank, inv in enumerate(cluster.node_commands(ws, config_path, spec, accumulative_counts=accum)):
            st.markdown(f"**{t('cluster.node_this') if rank == 0 else t('cluster.node_label', rank=rank)}**")
            st.code(inv.display, language="bash", wrap_lines=True)
    _shared_disk_note(ws)
    if st.button(t("cluster.start_share"), type="primary", disabled=bad, key="train.nodes.start"):
        try:
            run_dir = cluster.start_node_share(ws, config_path, spec, accumulative_counts=accum)
        except jobs.JobError as exc:
            show_error(exc)
        else:
            flash("success", t("cluster.started_share", name=run_dir.name))
            st.rerun()


def run_notes(snap: monitor.Snapshot) -> None:
    """Under a run's state: its Slurm job and why it waits, or the commands for the other nodes."""
    status = snap.status
    record = status.record
    if record.get("backend") == "slurm":
        job = (record.get("slurm") or {}).get("job_id") or "…"
        st.caption(t("cluster.job", job=job))
        reason = cluster.pending_reason(status)
        if reason:
            st.info(t("cluster.waiting", reason=t(reason, reason=status.detail or "")))
        if status.detail == "cluster.unreachable":
            st.warning(t("cluster.unreachable"))
    commands = (record.get("meta") or {}).get("node_commands") or []
    if len(commands) > 1:
        with st.expander(t("cluster.other_nodes"), expanded=status.active):
            for rank, display in enumerate(commands[1:], 1):
                st.markdown(f"**{t('cluster.node_label', rank=rank)}**")
                st.code(display, language="bash", wrap_lines=True)
