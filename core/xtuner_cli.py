"""The one place that knows how to invoke XTuner's tools.

Every function returns an :class:`Invocation`: the argv to run (``sys.executable`` on our
launcher, or torchrun for several GPUs, so exit codes are real), the environment the tool
needs, and the equivalent ``xtuner ...`` command a person would type, for display.
Nothing here starts a process; :mod:`core.jobs` and :func:`run` do.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core import estimate

LAUNCHER = Path(__file__).with_name("xtuner_launcher.py")
# Configs may import the app's own training hooks (core.xtuner_hooks); XTuner's processes find
# them on this path, which is put in front of any PYTHONPATH already set.
APP_ROOT = Path(__file__).resolve().parents[1]
DEEPSPEED_CHOICES = (
    "deepspeed_zero1", "deepspeed_zero2", "deepspeed_zero2_offload",
    "deepspeed_zero3", "deepspeed_zero3_offload",
)

# Nothing may reach a model hub at run time; models and data are local folders.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
# The tutorial's fix for "MKL_THREADING_LAYER=INTEL is incompatible with libgomp".
MKL_ENV = {"MKL_SERVICE_FORCE_INTEL": "1", "MKL_THREADING_LAYER": "GNU"}
# torch shares each operation of a CPU process among all cores. A model this small does too little
# work per operation to gain from it, and when another program takes a core the threads wait on each
# other: the demo training (4 M parameters) on 2 cores took 22.3 s with 2 threads and 25.0 s with one
# when idle, 115.9 s and 39.1-47.0 s beside two busy processes (benchmarks/bench_train_start.py). Its
# processes get one thread (torchrun gives each of several processes one already). Above this size a
# CPU run keeps every core; the limit itself is a judgement, not measured between 4 M and 50 M.
ONE_THREAD_BELOW_PARAMS = 50_000_000


@dataclass(frozen=True)
class Invocation:
    """A ready-to-run XTuner tool call."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    display: str = ""
    drop_env: tuple[str, ...] = ()

    def full_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        for key in self.drop_env:
            env.pop(key, None)
        for key, value in self.env.items():
            if key == "PYTHONPATH" and env.get(key):  # our folders first, the caller's kept
                value = value + os.pathsep + env[key]
            env[key] = value
        return env


def _display(*parts: object) -> str:
    return shlex.join(str(p) for p in parts)


HOOKS_MODULE = "core.xtuner_hooks"  # the app's training hooks, which a config can import


def uses_app_hooks(source: str) -> bool:
    """The config imports the app's own hooks, so XTuner needs the app's folder on its path."""
    return f"from {HOOKS_MODULE} import" in source


def app_path_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment (os.environ by default) with the app's folder first on PYTHONPATH, for any
    process that loads a config, which may import the app's hooks."""
    return Invocation(argv=[], env={"PYTHONPATH": str(APP_ROOT)}).full_env(base)


def _path_prefix(config: Path) -> str:
    """``PYTHONPATH=<app folder>[:$PYTHONPATH] `` for the displayed command when the config imports
    the app's hooks (a PYTHONPATH the person already has is kept, as the app keeps it)."""
    try:
        uses = uses_app_hooks(Path(config).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        uses = False
    return f"PYTHONPATH={shlex.quote(str(APP_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} " if uses else ""


def _threads_prefix(model: object) -> str:
    """``OMP_NUM_THREADS=1 `` for the displayed command when the app runs it so (:func:`threads_env`):
    the command a person copies then trains as fast as the app's own run."""
    return "".join(f"{k}={v} " for k, v in threads_env(model).items())


def threads_env(model: object) -> dict[str, str]:
    """``OMP_NUM_THREADS=1`` for a process that runs ``model`` (its folder) when the model is under
    :data:`ONE_THREAD_BELOW_PARAMS`; nothing for a larger or unreadable model, or when the person's own
    environment already says how many threads. A model the config computes (``os.path.join(...)``,
    not a plain folder) counts as unreadable."""
    if not isinstance(model, (str, os.PathLike)) or "OMP_NUM_THREADS" in os.environ:
        return {}
    shape = estimate.read_shape(Path(model))
    return {"OMP_NUM_THREADS": "1"} if shape is not None and shape.params < ONE_THREAD_BELOW_PARAMS else {}


def _base_env(extra: dict[str, str] | None = None, *, model: Path | str | None = None) -> dict[str, str]:
    env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(APP_ROOT), **OFFLINE_ENV, **MKL_ENV, **threads_env(model)}
    if extra:
        env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(
    config: Path,
    work_dir: Path,
    *,
    gpus: int = 1,
    deepspeed: str | None = None,
    resume: Path | None = None,
    seed: int | None = None,
    cache_dir: Path | None = None,
    accumulative_counts: int | None = None,
    workers: int | None = None,
    nodes: int = 1,
    node_rank: int = 0,
    master_addr: str = "127.0.0.1",
    master_port: int | None = None,
    launcher: str | None = None,
    model: Path | str | None = None,
) -> Invocation:
    """``xtuner train`` for one process, or torchrun over ``gpus`` GPUs on each of ``nodes`` nodes.

    ``accumulative_counts`` overrides the config's gradient accumulation for this run only
    (``--cfg-options``), e.g. to keep a one-GPU config's effective batch on several GPUs;
    ``workers`` the number of processes that tokenize the dataset (e.g. 1 after workers died).
    With ``nodes`` > 1 this is node ``node_rank``'s share of a several-node torchrun whose
    rendezvous is ``master_addr:master_port`` (XTuner's ``NNODES``/``NODE_RANK``/``ADDR``/``PORT``).
    ``launcher="slurm"`` is one task of a Slurm job step (``srun``): one process, and mmengine
    reads its rank from Slurm's environment. ``model``: the config's model folder, for
    :func:`threads_env`.
    """
    if deepspeed is not None and deepspeed not in DEEPSPEED_CHOICES:
        raise ValueError(f"unknown DeepSpeed setting {deepspeed!r}; choose one of {DEEPSPEED_CHOICES}")
    if gpus < 1:
        raise ValueError("the number of GPUs must be at least 1")
    if accumulative_counts is not None and int(accumulative_counts) < 1:
        raise ValueError("gradient accumulation must be at least 1")
    args: list[str] = [str(config), "--work-dir", str(work_dir)]
    if deepspeed:
        args += ["--deepspeed", deepspeed]
    if resume:
        args += ["--resume", str(resume)]
    if seed is not None:
        args += ["--seed", str(seed)]
    if workers is not None and int(workers) < 1:
        raise ValueError("the number of tokenizing processes must be at least 1")
    options = []  # one --cfg-options: mmengine keeps only the last one given
    if accumulative_counts is not None:
        options.append(f"optim_wrapper.accumulative_counts={int(accumulative_counts)}")
    if workers is not None:
        options.append(f"train_dataloader.dataset.map_num_proc={int(workers)}")
    if options:
        args += ["--cfg-options", *options]
    env = _base_env({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}, model=model)
    threads = _threads_prefix(model)
    if cache_dir is not None:
        env["HF_DATASETS_CACHE"] = str(cache_dir)
    if nodes < 1 or not 0 <= node_rank < nodes:
        raise ValueError("the node rank must be between 0 and the number of nodes - 1")
    if launcher is not None:
        argv = [sys.executable, str(LAUNCHER), "train", *args, "--launcher", launcher]
        display = _path_prefix(config) + threads + _display("xtuner", "train", *args, "--launcher", launcher)
    elif nodes > 1:
        port = master_port or 29500
        argv = [
            sys.executable, "-m", "torch.distributed.run",
            "--nnodes", str(nodes), "--node_rank", str(node_rank), "--nproc_per_node", str(gpus),
            "--master_addr", master_addr, "--master_port", str(port),
            str(LAUNCHER), "train", *args, "--launcher", "pytorch",
        ]
        display = (_path_prefix(config) + threads + f"NPROC_PER_NODE={gpus} NNODES={nodes} NODE_RANK={node_rank} "
                   f"ADDR={shlex.quote(master_addr)} PORT={port} " + _display("xtuner", "train", *args))
    elif gpus > 1:
        argv = [
            sys.executable, "-m", "torch.distributed.run",
            "--nnodes", "1", "--nproc_per_node", str(gpus),
            "--master_addr", "127.0.0.1", "--master_port", str(master_port or free_port()),
            str(LAUNCHER), "train", *args, "--launcher", "pytorch",
        ]
        display = _path_prefix(config) + threads + f"NPROC_PER_NODE={gpus} " + _display("xtuner", "train", *args)
    else:
        argv = [sys.executable, str(LAUNCHER), "train", *args]
        display = _path_prefix(config) + threads + _display("xtuner", "train", *args)
    return Invocation(argv=argv, env=env, display=display,
                      drop_env=("NPROC_PER_NODE", "NNODES", "NODE_RANK", "ADDR", "PORT"))


def pth_to_hf(
    config: Path,
    checkpoint: Path,
    out_dir: Path,
    *,
    fp32: bool = False,
    max_shard_size: str | None = None,
    safe_serialization: bool = False,
    cfg_options: list[str] | None = None,
    model: Path | str | None = None,
) -> Invocation:
    """``xtuner convert pth_to_hf``: a training checkpoint to a HuggingFace adapter (``model``: the
    config's model folder, for :func:`threads_env`)."""
    args: list[str] = [str(config), str(checkpoint), str(out_dir)]
    if fp32:
        args.append("--fp32")
    if max_shard_size:
        args += ["--max-shard-size", max_shard_size]
    if safe_serialization:
        args.append("--safe-serialization")
    if cfg_options:
        args += ["--cfg-options", *cfg_options]
    return Invocation(
        argv=[sys.executable, str(LAUNCHER), "pth_to_hf", *args],
        env=_base_env(model=model),
        display=_path_prefix(config) + _threads_prefix(model) + _display("xtuner", "convert", "pth_to_hf", *args),
        drop_env=("NPROC_PER_NODE",),
    )


def merge(
    base: Path,
    adapter: Path,
    out_dir: Path,
    *,
    device: str = "cpu",
    max_shard_size: str | None = None,
    safe_serialization: bool = False,
) -> Invocation:
    """``xtuner convert merge``: base model + adapter into one full model folder."""
    if device not in ("cpu", "cuda", "auto"):
        raise ValueError("device must be cpu, cuda or auto")
    args: list[str] = [str(base), str(adapter), str(out_dir), "--device", device]
    if max_shard_size:
        args += ["--max-shard-size", max_shard_size]
    if safe_serialization:
        args.append("--safe-serialization")
    return Invocation(
        argv=[sys.executable, str(LAUNCHER), "merge", *args],
        env=_base_env(model=base),
        display=_threads_prefix(base) + _display("xtuner", "convert", "merge", *args),
        drop_env=("NPROC_PER_NODE",),
    )


def check_custom_dataset(config: Path) -> Invocation:
    return Invocation(
        argv=[sys.executable, str(LAUNCHER), "check-custom-dataset", str(config)],
        env=_base_env(),
        display=_display("xtuner", "check-custom-dataset", config),
    )


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str


def run(inv: Invocation, *, cwd: Path | None = None, timeout: float | None = None) -> Result:
    """Run a short tool call to completion (the dataset check); output combined."""
    proc = subprocess.run(
        inv.argv, cwd=cwd, env=inv.full_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False,
    )
    return Result(proc.returncode, proc.stdout)
