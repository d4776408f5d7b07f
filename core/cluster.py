"""Train beyond this machine: on a Slurm cluster, or on several nodes started by hand (torchrun).

Slurm and torchrun do the work; this module only writes what they need and records it.

- **Slurm**: :func:`render_script` writes the batch script (``#SBATCH`` lines for partition,
  nodes, GPUs per node, CPUs, time limit and any extra options; the run's ``output.log`` on
  the shared disk as its output). The script runs the app's job supervisor
  (``core/job_runner.py``), whose one step is ``srun`` over XTuner's train tool with
  ``--launcher slurm`` (one task per GPU, or one per node without GPUs), so the run folder
  gets the same ``exit.json`` as a local run. :func:`submit` records the job and runs
  ``sbatch --parsable`` (argv); :mod:`core.jobs` then derives the state from Slurm and those
  files, and stops with ``scancel``.
- **By hand**: :func:`node_commands` gives each node's torchrun command (XTuner's
  ``NPROC_PER_NODE``/``NNODES``/``NODE_RANK``/``ADDR``/``PORT``), :func:`start_node_share`
  starts this node's one as a normal local job; a person runs the others.

In both, every node must see the workspace (and this app with its Python) at the same path:
:func:`disk_sharing` says what it can about that. The effective batch stays the one-GPU
config's: the accumulation is divided by nodes × GPUs (:func:`core.recipes.accumulation_on`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core import attempts, convert, jobs, runs, slurm, xtuner_cli
from core import config as cfg
from core.runs import RunPaths
from core.workspace import Workspace, atomic_write_text

SCRIPT_NAME = "slurm.sbatch"
LOCAL, SLURM, NODES = "local", "slurm", "nodes"
TIME_RE = re.compile(r"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$")
# Options the app sets itself: changing them would lose the run's log or folder.
RESERVED_OPTIONS = ("--output", "-o", "--error", "-e", "--chdir", "-D", "--open-mode", "--parsable", "--wrap")
SHARED_FS = {"nfs", "nfs4", "lustre", "gpfs", "beegfs", "cephfs", "ceph", "glusterfs", "fuse.glusterfs", "cifs",
             "smb3", "smbfs", "fuse.sshfs", "wekafs", "fuse.juicefs", "fuse.cephfs", "9p", "virtiofs", "panfs",
             "fuse.s3fs", "fuse.gcsfuse", "afs", "pvfs2", "orangefs"}
LOCAL_FS = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "tmpfs", "overlay", "f2fs", "vfat", "ramfs"}


class ClusterError(jobs.JobError):
    """Bad input or a refusal, for people: ``key`` names the message, ``values`` fill it,
    ``field`` names the form field, ``slurm_says`` is Slurm's own text when it refused."""

    def __init__(self, key: str, *, field: str | None = None, slurm_says: str = "", **values: object) -> None:
        super().__init__(f"{key} {values} {slurm_says}".strip())
        self.key, self.field, self.slurm_says, self.values = key, field, slurm_says, values


@dataclass(frozen=True)
class SlurmSpec:
    """What the Train page asks for a Slurm run. ``gpus_per_node`` 0 = CPUs only (one task per node)."""

    partition: str = ""
    nodes: int = 1
    gpus_per_node: int = 1
    cpus_per_task: int = 8
    time_limit: str = ""
    extra: tuple[str, ...] = ()

    @property
    def tasks_per_node(self) -> int:
        return max(1, self.gpus_per_node)

    @property
    def processes(self) -> int:
        return self.nodes * self.tasks_per_node


@dataclass(frozen=True)
class NodesSpec:
    """Several nodes started by hand: ``nodes`` × ``gpus_per_node`` processes (0 GPUs = one CPU process)."""

    nodes: int = 2
    gpus_per_node: int = 1
    master_addr: str = ""
    master_port: int = 29500

    @property
    def per_node(self) -> int:
        return max(1, self.gpus_per_node)

    @property
    def processes(self) -> int:
        return self.nodes * self.per_node


def parse_extra(text: str) -> tuple[str, ...]:
    """Extra sbatch options, one per line (``--account=abc``, ``--qos high``); blank lines dropped."""
    return tuple(line.strip() for line in str(text).splitlines() if line.strip())


def validate_slurm(spec: SlurmSpec) -> list[ClusterError]:
    """Everything wrong with ``spec``, each naming its field; [] when it can be submitted."""
    errors = []
    if spec.partition and not re.fullmatch(r"[A-Za-z0-9_.,-]+", spec.partition):
        errors.append(ClusterError("cluster.bad_partition", field="partition", value=spec.partition))
    if spec.nodes < 1:
        errors.append(ClusterError("cluster.bad_nodes", field="nodes"))
    if spec.gpus_per_node < 0:
        errors.append(ClusterError("cluster.bad_gpus", field="gpus_per_node"))
    if spec.cpus_per_task < 1:
        errors.append(ClusterError("cluster.bad_cpus", field="cpus_per_task"))
    if spec.time_limit and not TIME_RE.match(spec.time_limit.strip()):
        errors.append(ClusterError("cluster.bad_time", field="time_limit", value=spec.time_limit))
    for line_no, option in enumerate(spec.extra, 1):
        name = option.split("=", 1)[0].split()[0] if option.split() else ""
        if not option.startswith("-") or "\n" in option or "\r" in option:
            errors.append(ClusterError("cluster.bad_extra", field="extra", line=line_no, value=option))
        elif name in RESERVED_OPTIONS:
            errors.append(ClusterError("cluster.reserved_extra", field="extra", line=line_no, value=name))
    return errors


def validate_nodes(spec: NodesSpec) -> list[ClusterError]:
    errors = []
    if spec.nodes < 2:
        errors.append(ClusterError("cluster.bad_nodes_by_hand", field="nodes"))
    if spec.gpus_per_node < 0:
        errors.append(ClusterError("cluster.bad_gpus", field="gpus_per_node"))
    if not spec.master_addr.strip() or any(c.isspace() for c in spec.master_addr.strip()):
        errors.append(ClusterError("cluster.bad_master", field="master_addr", value=spec.master_addr))
    if not 1024 <= int(spec.master_port) <= 65535:
        errors.append(ClusterError("cluster.bad_port", field="master_port", value=spec.master_port))
    return errors


def this_host() -> str:
    """A name other nodes can use for this machine (its fully qualified host name)."""
    return socket.getfqdn() or socket.gethostname()


# ---- the shared disk


@dataclass(frozen=True)
class DiskSharing:
    """``shared`` is True on a network file system, False on a local one, None when unknown."""

    path: str
    fstype: str | None
    shared: bool | None


def _mount_of(path: Path) -> tuple[str, str] | None:
    """(mount point, file system type) holding ``path``, from /proc/mounts."""
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target, best = str(Path(path).resolve()), None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and (
                best is None or len(mount) > len(best[0])):
            best = (mount, parts[2])
    return best


def disk_sharing(path: Path) -> DiskSharing:
    """Whether other nodes can see ``path``, as far as the file system type tells."""
    mount = _mount_of(path)
    if mount is None:
        return DiskSharing(str(path), None, None)
    fstype = mount[1]
    shared = True if fstype in SHARED_FS else False if fstype in LOCAL_FS else None
    return DiskSharing(str(path), fstype, shared)


def disks_to_share(ws: Workspace) -> list[DiskSharing]:
    """The workspace and this app (with its Python): both must be on a disk every node sees."""
    return [disk_sharing(ws.root), disk_sharing(xtuner_cli.APP_ROOT), disk_sharing(Path(sys.executable).parent)]


# ---- Slurm


def script_path(run_dir: Path) -> Path:
    return Path(run_dir) / SCRIPT_NAME


def submit_argv(run_dir: Path) -> list[str]:
    """The exact sbatch command the app runs (every option is in the script)."""
    return ["sbatch", "--parsable", str(script_path(run_dir))]


def srun_step(spec: SlurmSpec, inv: xtuner_cli.Invocation) -> xtuner_cli.Invocation:
    """``srun`` over one XTuner task per GPU (one per node without GPUs), inside the allocation."""
    argv = ["srun", "--kill-on-bad-exit=1", f"--ntasks-per-node={spec.tasks_per_node}",
            f"--cpus-per-task={spec.cpus_per_task}", *inv.argv]
    display = inv.display.replace("xtuner train", shlex.join(argv[:4]) + " xtuner train", 1)
    return xtuner_cli.Invocation(argv=argv, env=inv.env, display=display, drop_env=inv.drop_env)


def render_script(run_dir: Path, spec: SlurmSpec, workspace_root: Path, *, job_name: str | None = None) -> str:
    """The batch script for ``run_dir`` (its ``job.json`` holds the srun step the supervisor runs)."""
    run_dir = Path(run_dir)
    lines = ["#!/bin/bash", f"#SBATCH --job-name={job_name or 'studio-' + run_dir.name}"]
    if spec.partition:
        lines.append(f"#SBATCH --partition={spec.partition}")
    lines += [f"#SBATCH --nodes={spec.nodes}", f"#SBATCH --ntasks-per-node={spec.tasks_per_node}"]
    if spec.gpus_per_node > 0:
        lines.append(f"#SBATCH --gres=gpu:{spec.gpus_per_node}")
    lines.append(f"#SBATCH --cpus-per-task={spec.cpus_per_task}")
    if spec.time_limit:
        lines.append(f"#SBATCH --time={spec.time_limit.strip()}")
    lines += [f"#SBATCH --output={run_dir / jobs.LOG_NAME}", "#SBATCH --open-mode=append",
              f"#SBATCH --chdir={workspace_root}"]
    lines += [f"#SBATCH {option}" for option in spec.extra]
    run_q = shlex.quote(str(run_dir))
    lines += [
        "",
        "# Written by Assistant Studio. The app follows this job through squeue/sacct and the files in",
        "# the run folder; core/job_runner.py runs the srun step recorded in job.json and writes exit.json.",
        f"RUN={run_q}",
        'if [ ! -f "$RUN/job.json" ]; then',
        '  echo "studio: node $(hostname) does not see the run folder $RUN: the workspace must be on a disk'
        ' every node mounts at the same path" >&2',
        "  exit 3",
        "fi",
        "# One rendezvous port per job, so two jobs sharing a node do not collide.",
        'export MASTER_PORT=$(( 20000 + ${SLURM_JOB_ID:-0} % 20000 ))',
        f"exec {shlex.quote(sys.executable)} {shlex.quote(str(jobs.RUNNER))} \"$RUN\"",
        "",
    ]
    return "\n".join(lines)


def preview_slurm(ws: Workspace, config_path: Path, spec: SlurmSpec, *,
                  accumulative_counts: int | None = None) -> tuple[str, str]:
    """(batch script, sbatch command) as the page shows them before submitting (run folder: ``<run>``)."""
    run_dir = ws.runs_dir / "<run>"
    inv = srun_step(spec, xtuner_cli.train(
        config_path, RunPaths(run_dir).work_dir, launcher="slurm", accumulative_counts=accumulative_counts,
        model=_model_of(config_path)))
    script = render_script(run_dir, spec, ws.root)
    script += f"# the step it runs:\n# {inv.display}\n"
    return script, shlex.join(submit_argv(run_dir))


def submit(
    ws: Workspace,
    config_path: Path,
    spec: SlurmSpec,
    *,
    accumulative_counts: int | None = None,
    seed: int | None = None,
    resume: Path | None = None,
    label: str = "slurm",
    into: Path | None = None,
) -> Path:
    """Submit a training of ``config_path`` to Slurm in a new run folder (with ``into``: as the next
    attempt of that run, :func:`core.runs.attempt_folder`); returns the folder.

    Raises :class:`ClusterError` for bad input or Slurm's refusal (the run folder is removed),
    :class:`core.jobs.JobError` when a training is already active in this workspace.
    """
    errors = validate_slurm(spec)
    if errors:
        raise errors[0]
    if shutil.which("sbatch") is None:
        raise ClusterError("cluster.err.no_sbatch")
    config_path = Path(config_path)
    summary = cfg.config_summary(config_path.read_text(encoding="utf-8"))
    with runs.attempt_folder(ws, config_path, label, into) as run:
        inv = xtuner_cli.train(run.config, run.work_dir, launcher="slurm", resume=resume, seed=seed,
                               cache_dir=ws.root / ".cache" / "datasets", accumulative_counts=accumulative_counts,
                               model=summary["model"])
        step = srun_step(spec, inv)
        atomic_write_text(script_path(run.root), render_script(run.root, spec, ws.root))
        meta = runs.training_meta(config_path, summary, gpus=spec.processes, deepspeed=None, resume=resume,
                                  accumulative_counts=accumulative_counts)
        meta.update(where=SLURM, cluster=asdict(spec))
        if into is not None:
            meta = runs.continued_meta(attempts.earlier(run.root)[-1], meta)
        argv = submit_argv(run.root)

        def _sbatch() -> dict[str, Any]:
            try:
                job_id = slurm.submit(str(script_path(run.root)))
            except slurm.SlurmError as exc:
                raise ClusterError(exc.key, slurm_says=exc.slurm_says, **exc.values) from exc
            return {"job_id": job_id, "script": str(script_path(run.root)), "submit_argv": argv}

        jobs.submit_to_slurm(run.root, [jobs.Step("train", step)], _sbatch, kind="train", cwd=ws.root,
                             meta=meta, exclusive_in=ws.runs_dir)
    return run.root


def where(run_dir: Path) -> str:
    """How a run was started: ``local``, ``slurm`` or ``nodes`` (by hand)."""
    record = jobs.status(run_dir).record
    if record.get("backend") == "slurm":
        return SLURM
    return (record.get("meta") or {}).get("where") or LOCAL


def slurm_job_id(run_dir: Path) -> str | None:
    return (jobs.status(run_dir).record.get("slurm") or {}).get("job_id")


# ---- several nodes by hand


def node_commands(ws: Workspace, config_path: Path, spec: NodesSpec, run_dir: Path | None = None, *,
                  accumulative_counts: int | None = None, seed: int | None = None,
                  resume: Path | None = None) -> list[xtuner_cli.Invocation]:
    """Each node's command (rank 0 first); the work dir is ``run_dir``'s (``<run>`` before it exists)."""
    run_dir = Path(run_dir) if run_dir else ws.runs_dir / "<run>"
    config = RunPaths(run_dir).config if run_dir.name != "<run>" else Path(config_path)
    return [
        xtuner_cli.train(config, RunPaths(run_dir).work_dir, gpus=spec.per_node, nodes=spec.nodes, node_rank=rank,
                         master_addr=spec.master_addr.strip(), master_port=int(spec.master_port), seed=seed,
                         resume=resume, cache_dir=ws.root / ".cache" / "datasets",
                         accumulative_counts=accumulative_counts, model=_model_of(config))
        for rank in range(spec.nodes)
    ]


def _model_of(config_path: Path) -> str | None:
    """The config's model folder (what :func:`core.xtuner_cli.threads_env` reads), None when unreadable."""
    try:
        model = cfg.config_summary(Path(config_path).read_text(encoding="utf-8"))["model"]
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    return model if isinstance(model, str) else None


def start_node_share(ws: Workspace, config_path: Path, spec: NodesSpec, *, accumulative_counts: int | None = None,
                     seed: int | None = None, resume: Path | None = None, label: str = "nodes",
                     into: Path | None = None) -> Path:
    """Start node 0's share (this machine is the rendezvous master) as a local job; returns the run folder
    (with ``into``: the next attempt of that run, :func:`core.runs.attempt_folder`).

    Its ``job.json`` keeps every node's command (``meta["node_commands"]``) for the page to show.
    """
    errors = validate_nodes(spec)
    if errors:
        raise errors[0]
    config_path = Path(config_path)
    summary = cfg.config_summary(config_path.read_text(encoding="utf-8"))
    with runs.attempt_folder(ws, config_path, label, into) as run:
        commands = node_commands(ws, config_path, spec, run.root, accumulative_counts=accumulative_counts,
                                 seed=seed, resume=resume)
        meta = runs.training_meta(config_path, summary, gpus=spec.processes, deepspeed=None, resume=resume,
                                  accumulative_counts=accumulative_counts)
        meta.update(where=NODES, nodes=asdict(spec), node_commands=[c.display for c in commands],
                    node_argv=[{"argv": c.argv, "env": c.env, "drop_env": list(c.drop_env)} for c in commands])
        if into is not None:
            meta = runs.continued_meta(attempts.earlier(run.root)[-1], meta)
        jobs.start(run.root, [jobs.Step("train", commands[0])], kind="train", cwd=ws.root, meta=meta,
                   exclusive_in=ws.runs_dir)
    return run.root


def other_node_env(run_dir: Path, rank: int, base: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of node ``rank``'s recorded command, as a person on that node would run it."""
    entry = jobs.status(run_dir).record["meta"]["node_argv"][rank]
    inv = xtuner_cli.Invocation(argv=entry["argv"], env=entry["env"], drop_env=tuple(entry["drop_env"]))
    return inv.argv, inv.full_env(dict(os.environ) if base is None else base)


# ---- resume, for every kind of run


def resume(ws: Workspace, run_dir: Path, checkpoint: Path | None = None) -> Path:
    """Continue a run from its newest complete (or the given) checkpoint, where it ran before, as
    its next attempt in the same run folder (:mod:`core.attempts`).

    A Slurm run is submitted again with the same options; a by-hand run starts this node's share
    again (the other nodes run their new commands); a local run resumes locally.
    """
    run = RunPaths(Path(run_dir))
    kind = where(run.root)
    if kind == LOCAL:
        return runs.resume_training(ws, run.root, checkpoint)
    checkpoint = checkpoint or (convert.checkpoints(run.work_dir) or [None])[0]
    if checkpoint is None:
        raise jobs.JobError(f"run {run.root.name} has no checkpoint to resume from")
    info = runs.meta(run.root)
    accum = info.get("accumulative_counts_override")
    if kind == SLURM:
        spec = SlurmSpec(**{**info["cluster"], "extra": tuple(info["cluster"].get("extra") or ())})
        return submit(ws, run.config, spec, accumulative_counts=accum, resume=checkpoint, into=run.root)
    return start_node_share(ws, run.config, NodesSpec(**info["nodes"]), accumulative_counts=accum,
                            resume=checkpoint, into=run.root)


def pending_reason(status: jobs.JobStatus) -> str | None:
    """The message key for why a Slurm job waits (``cluster.reason.*``), or None when it does not."""
    if status.state != jobs.PENDING:
        return None
    return slurm.reason_key(status.detail)
