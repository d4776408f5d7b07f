"""core.xtuner_cli: argv, environment and display of every XTuner call; the launcher for real."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from core import xtuner_cli
from core.xtuner_cli import LAUNCHER

CFG = Path("/ws/configs/my config 中文.py")  # a space and non-ASCII: display must quote it
WORK = Path("/ws/runs/r1/work_dir")


def never_console_script(argv: list[str]) -> None:
    assert argv[0] == sys.executable
    assert not any(Path(a).name == "xtuner" for a in argv), argv


def test_train_single_gpu():
    inv = xtuner_cli.train(CFG, WORK, seed=0, resume=Path("/ws/runs/r0/work_dir/iter_50.pth"),
                           cache_dir=Path("/ws/.cache/datasets"))
    never_console_script(inv.argv)
    assert inv.argv[1] == str(LAUNCHER) and LAUNCHER.is_file()
    assert inv.argv[2:] == ["train", str(CFG), "--work-dir", str(WORK), "--resume",
                            "/ws/runs/r0/work_dir/iter_50.pth", "--seed", "0"]
    assert inv.display.startswith("xtuner train ")
    assert shlex.split(inv.display) == ["xtuner", *inv.argv[2:]]
    assert inv.env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] == "1"
    assert inv.env["MKL_SERVICE_FORCE_INTEL"] == "1" and inv.env["MKL_THREADING_LAYER"] == "GNU"
    assert inv.env["HF_HUB_OFFLINE"] == "1" and inv.env["PYTHONUNBUFFERED"] == "1"
    assert inv.env["HF_DATASETS_CACHE"] == "/ws/.cache/datasets"
    assert "NPROC_PER_NODE" in inv.drop_env


def test_train_with_deepspeed():
    inv = xtuner_cli.train(CFG, WORK, deepspeed="deepspeed_zero2")
    assert inv.argv[-2:] == ["--deepspeed", "deepspeed_zero2"]
    assert "--deepspeed deepspeed_zero2" in inv.display
    assert "HF_DATASETS_CACHE" not in inv.env


def test_train_on_two_gpus_uses_torchrun():
    inv = xtuner_cli.train(CFG, WORK, gpus=2)
    never_console_script(inv.argv)
    assert inv.argv[1:3] == ["-m", "torch.distributed.run"]
    i = inv.argv.index("--nproc_per_node")
    assert inv.argv[i + 1] == "2"
    assert inv.argv[inv.argv.index("--nnodes") + 1] == "1"
    port = int(inv.argv[inv.argv.index("--master_port") + 1])
    assert 0 < port < 65536
    j = inv.argv.index(str(LAUNCHER))
    assert inv.argv[j + 1:] == ["train", str(CFG), "--work-dir", str(WORK), "--launcher", "pytorch"]
    assert inv.display.startswith("NPROC_PER_NODE=2 xtuner train ")
    assert inv.env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] == "1"


def test_train_overrides_accumulation_for_this_run_only():
    inv = xtuner_cli.train(CFG, WORK, gpus=2, accumulative_counts=8)
    assert inv.argv[-4:-2] == ["--cfg-options", "optim_wrapper.accumulative_counts=8"]
    assert inv.argv[-2:] == ["--launcher", "pytorch"]
    assert "--cfg-options optim_wrapper.accumulative_counts=8" in inv.display
    assert "--cfg-options" not in xtuner_cli.train(CFG, WORK, gpus=2).argv


@pytest.mark.parametrize("kwargs", [{"deepspeed": "zero2"}, {"deepspeed": "deepspeed_zero4"}, {"gpus": 0},
                                    {"accumulative_counts": 0}])
def test_train_refuses_bad_options(kwargs):
    with pytest.raises(ValueError):
        xtuner_cli.train(CFG, WORK, **kwargs)


def test_pth_to_hf():
    inv = xtuner_cli.pth_to_hf(CFG, Path("/w/iter_96.pth"), Path("/r/hf_adapter"), fp32=True, max_shard_size="2GB",
                               safe_serialization=True, cfg_options=["model.llm.quantization_config=None"])
    never_console_script(inv.argv)
    assert inv.argv[1:3] == [str(LAUNCHER), "pth_to_hf"]
    assert inv.argv[3:] == [str(CFG), "/w/iter_96.pth", "/r/hf_adapter", "--fp32", "--max-shard-size", "2GB",
                            "--safe-serialization", "--cfg-options", "model.llm.quantization_config=None"]
    assert inv.display.startswith("xtuner convert pth_to_hf ")
    assert shlex.split(inv.display) == ["xtuner", "convert", "pth_to_hf", *inv.argv[3:]]
    assert "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD" not in inv.env
    assert inv.env["MKL_THREADING_LAYER"] == "GNU"


def test_merge():
    inv = xtuner_cli.merge(Path("/m/base"), Path("/r/hf_adapter"), Path("/r/merged"), device="cuda")
    never_console_script(inv.argv)
    assert inv.argv[1:] == [str(LAUNCHER), "merge", "/m/base", "/r/hf_adapter", "/r/merged", "--device", "cuda"]
    assert inv.display == "xtuner convert merge /m/base /r/hf_adapter /r/merged --device cuda"
    assert inv.env["MKL_SERVICE_FORCE_INTEL"] == "1"
    with pytest.raises(ValueError):
        xtuner_cli.merge(Path("/a"), Path("/b"), Path("/c"), device="tpu")


@pytest.mark.parametrize("make", [
    lambda: xtuner_cli.pth_to_hf(CFG, Path("/w/iter_1.pth"), Path("/o")),
    lambda: xtuner_cli.merge(Path("/a"), Path("/b"), Path("/c")),
    lambda: xtuner_cli.train(CFG, WORK),
], ids=["pth_to_hf", "merge", "train"])
def test_nproc_per_node_is_dropped(make):
    env = make().full_env({"NPROC_PER_NODE": "8", "PATH": "/usr/bin", "MKL_THREADING_LAYER": "INTEL"})
    assert "NPROC_PER_NODE" not in env
    assert env["PATH"] == "/usr/bin"
    assert env["MKL_THREADING_LAYER"] == "GNU"  # the tool's setting wins over the inherited one


def test_launcher_with_an_unknown_tool_exits_2():
    proc = subprocess.run([sys.executable, str(LAUNCHER), "no-such-tool"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert "usage" in proc.stderr
    proc = subprocess.run([sys.executable, str(LAUNCHER)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2


def test_free_port_is_bindable():
    import socket

    port = xtuner_cli.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_xtuner_finds_the_apps_folder_first_and_keeps_the_callers_path(tmp_path):
    inv = xtuner_cli.train(tmp_path / "c.py", WORK)
    env = inv.full_env({"PYTHONPATH": "/wheels/site", "PATH": "/usr/bin"})
    assert env["PYTHONPATH"].split(":") == [str(xtuner_cli.APP_ROOT), "/wheels/site"]
    assert inv.full_env({"PATH": "/usr/bin"})["PYTHONPATH"] == str(xtuner_cli.APP_ROOT)
    assert xtuner_cli.app_path_env({})["PYTHONPATH"] == str(xtuner_cli.APP_ROOT)


def test_displayed_command_sets_pythonpath_only_for_configs_with_the_apps_hooks(tmp_path):
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n", encoding="utf-8")
    hooked = tmp_path / "hooked.py"
    hooked.write_text("from core.xtuner_hooks import HalfPrecisionFrozenWeights\n", encoding="utf-8")
    prefix = f"PYTHONPATH={shlex.quote(str(xtuner_cli.APP_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} "
    assert not xtuner_cli.train(plain, WORK).display.startswith("PYTHONPATH")
    assert xtuner_cli.train(hooked, WORK).display.startswith(prefix + "xtuner train ")
    assert xtuner_cli.train(hooked, WORK, gpus=2).display.startswith(prefix + "NPROC_PER_NODE=2 xtuner train ")
    assert xtuner_cli.pth_to_hf(hooked, WORK / "iter_1.pth", WORK / "hf").display.startswith(prefix)
    assert not xtuner_cli.pth_to_hf(plain, WORK / "iter_1.pth", WORK / "hf").display.startswith("PYTHONPATH")


@pytest.mark.parametrize("callers", [None, "/wheels/site"])
def test_displayed_pythonpath_works_in_a_shell_and_keeps_the_callers(tmp_path, callers):
    """Pasted into bash, the prefix puts the app's folder first and keeps a PYTHONPATH already set."""
    hooked = tmp_path / "hooked.py"
    hooked.write_text("from core.xtuner_hooks import HalfPrecisionFrozenWeights\n", encoding="utf-8")
    display = xtuner_cli.train(hooked, WORK).display
    prefix = display[:display.index(" xtuner train ")]
    script = f"{prefix} {shlex.quote(sys.executable)} -c 'import os; print(os.environ[\"PYTHONPATH\"])'"
    env = {"PATH": "/usr/bin:/bin"} | ({"PYTHONPATH": callers} if callers else {})
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True).stdout.strip()
    expected = [str(xtuner_cli.APP_ROOT)] + ([callers] if callers else [])
    assert out.split(":") == expected


def _model_folder(folder: Path, **shape) -> Path:
    import json

    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"num_attention_heads": 16, "num_key_value_heads": 8,
                                                    "vocab_size": 92544, **shape}), encoding="utf-8")
    return folder


def test_a_small_models_processes_get_one_cpu_thread_a_large_ones_every_core(tmp_path, monkeypatch):
    from core import convert

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    small = _model_folder(tmp_path / "small", hidden_size=256, num_hidden_layers=4, intermediate_size=688,
                          vocab_size=2048, num_attention_heads=4, num_key_value_heads=2)  # the demo model's shape
    large = _model_folder(tmp_path / "large", hidden_size=2048, num_hidden_layers=24, intermediate_size=8192)
    invs = {
        "train": lambda m: xtuner_cli.train(CFG, WORK, model=m).env,
        "slurm task": lambda m: xtuner_cli.train(CFG, WORK, launcher="slurm", model=m).env,
        "pth_to_hf": lambda m: xtuner_cli.pth_to_hf(CFG, WORK / "iter_1.pth", WORK / "hf", model=m).env,
        "merge": lambda m: xtuner_cli.merge(m, WORK / "hf", WORK / "merged").env,
        "convert": lambda m: convert.convert_steps(CFG, WORK / "it_1.pth", WORK / "hf", model=m)[0].invocation.env,
        "verify": lambda m: convert.verify_step(WORK / "merged", None, "", "你是谁", model=m).invocation.env,
    }
    for name, env_of in invs.items():
        assert env_of(small).get("OMP_NUM_THREADS") == "1", name
        assert "OMP_NUM_THREADS" not in env_of(large), name
        assert "OMP_NUM_THREADS" not in env_of(tmp_path / "no such model"), name
    assert "OMP_NUM_THREADS" not in xtuner_cli.train(CFG, WORK).env  # no model given: torch decides
    # The command shown to copy says so too, so it trains as fast as the app's run.
    shown = {
        "train": lambda m: xtuner_cli.train(CFG, WORK, model=m).display,
        "2 GPUs": lambda m: xtuner_cli.train(CFG, WORK, gpus=2, model=m).display,
        "pth_to_hf": lambda m: xtuner_cli.pth_to_hf(CFG, WORK / "iter_1.pth", WORK / "hf", model=m).display,
        "merge": lambda m: xtuner_cli.merge(m, WORK / "hf", WORK / "merged").display,
    }
    # Where the app reads the model from the config: the Slurm preview, each node's command.
    from core import cluster
    from core.workspace import Workspace

    ws = Workspace.resolve(tmp_path / "ws")

    def config_for(model: Path) -> Path:
        path = tmp_path / f"{model.name}.py"
        path.write_text(f"pretrained_model_name_or_path = {str(model)!r}\n", encoding="utf-8")
        return path

    nodes = cluster.NodesSpec(nodes=2, gpus_per_node=0, master_addr="127.0.0.1", master_port=29600)
    step_line = "# the step it runs:\n# "  # the batch script's last line shows the srun step
    shown["slurm preview"] = lambda m: cluster.preview_slurm(ws, config_for(m), cluster.SlurmSpec())[0].split(
        step_line)[1]
    for rank in (0, 1):
        shown[f"node {rank}"] = lambda m, r=rank: cluster.node_commands(ws, config_for(m), nodes)[r].display
        assert cluster.node_commands(ws, config_for(small), nodes)[rank].env.get("OMP_NUM_THREADS") == "1"
        assert "OMP_NUM_THREADS" not in cluster.node_commands(ws, config_for(large), nodes)[rank].env
    for name, display_of in shown.items():
        assert display_of(small).startswith("OMP_NUM_THREADS=1 ") and " xtuner " in display_of(small), name
        assert "OMP_NUM_THREADS" not in display_of(large), name
    # The person's own setting wins, for the process too.
    monkeypatch.setenv("OMP_NUM_THREADS", "6")
    inv = xtuner_cli.train(CFG, WORK, model=small)
    assert "OMP_NUM_THREADS" not in inv.env and inv.full_env()["OMP_NUM_THREADS"] == "6"


def test_a_model_the_config_computes_is_shown_and_run_without_a_thread_setting(monkeypatch):
    """A config may compute its model (``os.path.join(MODEL_DIR, 'm')``): config_summary then gives a
    Code value, not a folder. The training page and runs.start_training pass it on as it is; the
    command must still be built (the training page raised TypeError here)."""
    from core import config as cfg

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    source = "import os\nMODEL_DIR = '/models'\npretrained_model_name_or_path = os.path.join(MODEL_DIR, 'm')\n"
    model = cfg.config_summary(source)["model"]
    assert not isinstance(model, (str, Path)), "the test needs a computed model"
    inv = xtuner_cli.train(CFG, WORK, model=model)
    assert "OMP_NUM_THREADS" not in inv.env and inv.display.startswith("xtuner train ")
    assert xtuner_cli.threads_env(object()) == {}
