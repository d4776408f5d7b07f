"""Every page renders headlessly (AppTest) and its main actions do what they say."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import config, dataset, jobs, runs
from core.workspace import ENV_VAR, Workspace
from tests.conftest import OWNER, stop_all_jobs

ROOT = Path(__file__).resolve().parents[2]


def _app(page: str | None = None) -> AppTest:
    return AppTest.from_file(str(ROOT / (page or "app.py")), default_timeout=120)


@pytest.fixture()
def env_ws(ws, monkeypatch) -> Workspace:
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    return ws


def _ready_ws(ws: Workspace, demo_model: Path) -> None:
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=20))


def test_app_shell_lists_built_pages_and_renders_home(env_ws):
    at = _app().run()
    assert not at.exception
    assert any("小助手工作室" in t.value for t in at.title)
    # No GPU here: the system check says so in plain words.
    assert any("GPU" in w.value for w in at.warning)


def test_english_ui_from_saved_setting(env_ws):
    # (The sidebar switch itself is driven in the real-browser test: AppTest loses sidebar
    # widgets of the entry script across reruns with st.navigation.)
    env_ws.update_settings(lang="en")
    at = _app().run()
    assert not at.exception
    assert any("Assistant Studio" in t.value for t in at.title)
    assert any("Progress" in h.value for h in at.subheader)


def test_password_gate_hides_everything_until_given(env_ws, monkeypatch):
    monkeypatch.setenv("ASSISTANT_STUDIO_PASSWORD", "s3cret")
    at = _app().run()
    assert not at.exception
    assert not any("进度" in h.value for h in at.subheader)
    at.text_input(key="login.password").set_value("wrong")
    at.button(key="app.login").click().run()
    assert at.error and not any("进度" in h.value for h in at.subheader)
    at.text_input(key="login.password").set_value("s3cret")
    at.button(key="app.login").click().run()
    assert any("进度" in h.value for h in at.subheader)
    # A page script run on its own (Streamlit's old multipage mode) is gated too.
    page = _app("pages/train.py").run()
    assert not page.exception and not any("训练" == t.value for t in page.title)


def test_home_rejects_a_folder_that_is_not_a_model(env_ws, tmp_path):
    at = _app("pages/home.py").run()
    at.text_input(key="home.model_path").set_value(str(tmp_path)).run()
    at.button(key="home.use_model").click().run()
    assert not at.exception
    assert any("config.json" in e.value for e in at.error)
    assert "base_model" not in env_ws.settings()


def test_home_makes_and_selects_the_demo_model(env_ws):
    at = _app("pages/home.py").run()
    at.button(key="home.make_demo").click().run()
    assert not at.exception
    assert env_ws.settings()["base_model"] == str(env_ws.demo_model_dir)
    assert (env_ws.demo_model_dir / "config.json").is_file()


def test_config_page_saves_a_config_that_mmengine_loads(env_ws, demo_model):
    _ready_ws(env_ws, demo_model)
    at = _app("pages/config.py").run()
    assert not at.exception
    at.number_input(key="config.f.max_epochs").set_value(2)  # form values go with the submit
    at.button(key="config.save").click().run()
    assert not at.exception, at.exception
    # 0.03 x 2 epochs x 32 iterations = 1.92: one warmup iteration, which mmengine never leaves.
    assert not at.success and "config" not in env_ws.settings()
    assert any("warmup_ratio" in e.value and "0.04" in e.value for e in at.error), [e.value for e in at.error]
    at.number_input(key="config.f.warmup_ratio").set_value(0.04)  # the value the message names
    at.button(key="config.save").click().run()
    assert not at.exception, at.exception
    assert at.success, [e.value for e in at.error]
    saved = Path(env_ws.settings()["config"])
    values, output = config.load_with_mmengine(saved, ["max_epochs", "pretrained_model_name_or_path"])
    assert values == {"max_epochs": 2, "pretrained_model_name_or_path": str(demo_model)}, output


def test_config_page_names_the_wrong_field_and_saves_nothing(env_ws, demo_model):
    _ready_ws(env_ws, demo_model)
    at = _app("pages/config.py").run()
    at.number_input(key="config.f.lr").set_value(0.0)
    at.button(key="config.save").click().run()
    assert not at.exception
    assert any("学习率" in e.value for e in at.error)
    assert not list(env_ws.configs_dir.glob("*.py"))


def test_config_page_raw_editor_refuses_broken_python(env_ws, demo_model):
    _ready_ws(env_ws, demo_model)
    at = _app("pages/config.py").run()
    raw = [a for a in at.text_area if str(a.key).startswith("config.raw.")][0]
    raw.set_value("lr = (\n").run()
    at.button(key="config.raw_save").click().run()
    assert not at.exception
    assert any("语法错误" in e.value for e in at.error)
    assert not list(env_ws.configs_dir.glob("*.py"))


def test_train_page_without_config_says_what_to_do(env_ws):
    at = _app("pages/train.py").run()
    assert not at.exception
    assert any("配置" in i.value for i in at.info)


@pytest.mark.parametrize("deepspeed_installed", [True, False])
def test_train_page_on_two_gpus_offers_zero2_only_when_deepspeed_is_there(env_ws, demo_model, monkeypatch,
                                                                         deepspeed_installed):
    """Two GPUs (faked: none here): ZeRO-2 is preselected, measured faster on two GPUs; without
    DeepSpeed installed nothing offers it (choosing it would fail the run at start)."""
    import streamlit as st

    from core import sysinfo

    _ready_ws(env_ws, demo_model)
    (env_ws.configs_dir / "c.py").write_text(
        config.tutorial_config(str(demo_model), str(env_ws.dataset_path), cpu=True, demo=True), "utf-8")
    h100 = sysinfo.GPU(name="NVIDIA H100 80GB HBM3", free=79 * 2**30, total=80 * 2**30, bf16=True)
    monkeypatch.setattr(sysinfo, "gpu_info", lambda timeout=60: ([h100, h100], "13.0"))
    real = sysinfo.has_package
    monkeypatch.setattr(sysinfo, "has_package",
                        lambda name: deepspeed_installed if name == "deepspeed" else real(name))
    st.cache_data.clear()
    try:
        at = _app("pages/train.py").run()
        assert not at.exception
        at.radio(key="train.hardware").set_value("gpuN").run()
        command = at.code[0].value
        # As the run will have it: one CPU thread per process for the small demo model, then XTuner's form.
        one = "" if "OMP_NUM_THREADS" in os.environ else "OMP_NUM_THREADS=1 "
        assert command.startswith(one + "NPROC_PER_NODE=2 xtuner train"), command
        if deepspeed_installed:
            assert at.selectbox(key="train.deepspeed.gpuN.lora").value == "deepspeed_zero2"
            assert "--deepspeed deepspeed_zero2" in command
            at.radio(key="train.hardware").set_value("gpu1").run()
            assert at.selectbox(key="train.deepspeed.gpu1.lora").value == "none"
            assert "--deepspeed" not in at.code[0].value
            # QLoRA with ZeRO-2 was not measured (and DeepSpeed would switch fp16 to bf16): not preselected.
            (env_ws.configs_dir / "q.py").write_text(
                config.tutorial_config(str(demo_model), str(env_ws.dataset_path)), "utf-8")
            at.run()
            at.radio(key="train.hardware").set_value("gpuN")
            at.selectbox(key="train.config").set_value("q.py").run()
            assert at.selectbox(key="train.deepspeed.gpuN.qlora").value == "none"
            assert "--deepspeed" not in at.code[0].value
        else:
            assert not [s for s in at.selectbox if str(s.key).startswith("train.deepspeed")]
            assert "--deepspeed" not in command
            assert any("没有安装 DeepSpeed" in c.value for c in at.caption)
    finally:
        st.cache_data.clear()


def test_train_page_on_two_gpus_keeps_the_one_gpu_effective_batch(env_ws, demo_model, monkeypatch):
    """A config made for one GPU (1 × 16) run on two: accumulation 8 for this run unless the person
    unticks it; the run records what it used. A config whose accumulation does not divide is told."""
    import streamlit as st

    from core import sysinfo

    _ready_ws(env_ws, demo_model)
    for name, accum, sp in (("a16.py", 16, 1), ("a3.py", 3, 1), ("sp2.py", 16, 2)):
        (env_ws.configs_dir / name).write_text(config.tutorial_config(
            str(demo_model), str(env_ws.dataset_path), cpu=True, demo=True,
            extra={"batch_size": 1, "accumulative_counts": accum, "max_epochs": 50,
                   "sequence_parallel_size": sp}), "utf-8")
    env_ws.update_settings(config=str(env_ws.configs_dir / "a16.py"))
    gpu = sysinfo.GPU(name="NVIDIA H100 80GB HBM3", free=79 * 2**30, total=80 * 2**30, bf16=True)
    monkeypatch.setattr(sysinfo, "gpu_info", lambda timeout=60: ([gpu, gpu], "13.0"))
    st.cache_data.clear()
    try:
        at = _app("pages/train.py").run()
        at.radio(key="train.hardware").set_value("gpuN").run()
        assert at.checkbox(key="train.keep_batch").value is True
        assert "--cfg-options optim_wrapper.accumulative_counts=8" in at.code[0].value
        at.checkbox(key="train.keep_batch").uncheck().run()
        assert "--cfg-options" not in at.code[0].value
        assert any("每步看到 32 个样本（1 块 GPU 时 16 个）" in c.value for c in at.caption)

        at.checkbox(key="train.keep_batch").check().run()
        # Start for real: on this machine torchrun's two processes fail without GPUs, but the run
        # records the override and its command line carries it.
        at.button(key="train.start").click().run()
        assert not at.exception
        run_dir = env_ws.run_dirs()[0]
        assert runs.meta(run_dir)["accumulative_counts_override"] == 8
        assert "optim_wrapper.accumulative_counts=8" in jobs.status(run_dir).record["steps"][0]["argv"]
        stop_all_jobs(env_ws)

        at.run()
        at.radio(key="train.hardware").set_value("gpuN")
        at.selectbox(key="train.config").set_value("a3.py").run()
        assert not [c for c in at.checkbox if c.key == "train.keep_batch"]
        assert "--cfg-options" not in at.code[0].value
        assert any("梯度累积 3 不能被 2 整除" in c.value for c in at.caption), [c.value for c in at.caption]
        # Sequence parallelism: the preset multiplies the accumulation itself; no override offered.
        at.selectbox(key="train.config").set_value("sp2.py").run()
        assert not [c for c in at.checkbox if c.key == "train.keep_batch"]
        assert "--cfg-options" not in at.code[0].value
    finally:
        stop_all_jobs(env_ws)
        st.cache_data.clear()


def test_train_page_starts_and_stops_a_training(env_ws, demo_model):
    _ready_ws(env_ws, demo_model)
    cfg_path = env_ws.configs_dir / "c.py"
    cfg_path.write_text(config.tutorial_config(str(demo_model), str(env_ws.dataset_path), cpu=True, demo=True,
                                               extra={"max_epochs": 50}), "utf-8")
    at = _app("pages/train.py").run()
    at.button(key="train.start").click().run()
    assert not at.exception
    active = jobs.active_jobs(env_ws.runs_dir, "train")
    assert len(active) == 1
    # The start stays confirmed while the run runs: reruns (a widget, a refresh) do not lose it.
    confirmed = f"训练已启动：{active[0].name}"
    assert [s.value for s in at.success if confirmed in s.value], [s.value for s in at.success]
    at.run()
    assert [s.value for s in at.success if confirmed in s.value], [s.value for s in at.success]
    # A second tab sees the same training and can stop it.
    other = _app("pages/train.py").run()
    assert not other.exception
    assert any(active[0].name in h.value for h in other.subheader)
    other.button(key="train.stop").click().run()
    assert jobs.status(active[0]).state == jobs.STOPPED


def test_convert_and_history_pages_on_a_trained_workspace(trained_ws, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(trained_ws.root))
    at = _app("pages/convert.py").run()
    assert not at.exception
    assert any("小明同学" in c.value for c in at.code)  # the verify step's answer
    hist = _app("pages/train.py").run()
    assert not hist.exception
    assert len(hist.dataframe) >= 1
    home = _app("pages/home.py").run()
    assert not home.exception
    assert sum(":material/check_circle:" in m.value for m in home.markdown) == 5


def test_convert_page_without_runs(env_ws):
    at = _app("pages/convert.py").run()
    assert not at.exception
    assert at.info


def test_double_start_starts_one_training(ws, demo_model):
    _ready_ws(ws, demo_model)
    cfg_path = ws.configs_dir / "c.py"
    cfg_path.write_text(config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                               extra={"max_epochs": 50}), "utf-8")
    first = runs.start_training(ws, cfg_path)
    with pytest.raises(jobs.JobError):
        runs.start_training(ws, cfg_path)
    jobs.stop(first)
    assert len([d for d in ws.run_dirs() if (d / "job.json").exists()]) == 1


def test_config_page_auto_recipe_on_an_80gb_gpu(env_ws, demo_model, tmp_path, monkeypatch):
    """With an H100 (faked: no GPU here) the auto recipe is LoRA bf16, micro-batch 4 × 4, no checkpointing,
    and the sample answers are priced at the speed measured for the method."""
    import json
    import shutil

    import streamlit as st

    from core import sysinfo

    model = tmp_path / "internlm2-chat-1_8b-shape"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({
        "model_type": "internlm2", "hidden_size": 2048, "num_hidden_layers": 24, "num_attention_heads": 16,
        "num_key_value_heads": 8, "intermediate_size": 8192, "vocab_size": 92544,
        "auto_map": {"AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"}}), "utf-8")
    from tests.standins import _model_code_dir

    shutil.copy(_model_code_dir() / "modeling_internlm2.py", model)  # its own code, which has SDPA
    for f in demo_model.iterdir():  # a real tokenizer, so the page can count the dataset's tokens
        if f.name.startswith(("tokenizer", "special_tokens")):
            shutil.copy(f, model / f.name)
    (model / "model.safetensors").write_bytes(b"")
    env_ws.update_settings(base_model=str(model))
    dataset.save(env_ws.dataset_path, dataset.tutorial_records(OWNER, n=5))
    h100 = sysinfo.GPU(name="NVIDIA H100 80GB HBM3", free=79 * 2**30, total=80 * 2**30, bf16=True)
    monkeypatch.setattr(sysinfo, "gpu_info", lambda timeout=60: ([h100], "13.0"))
    st.cache_data.clear()
    try:
        at = _app("pages/config.py").run()
        assert not at.exception
        assert at.selectbox(key="config.recipe").value == "lora_bf16_mb4"
        assert at.selectbox(key="config.f.attention").value == "sdpa"

        def sample_caption():
            return next(c.value for c in at.caption if "样例回答" in c.value)

        assert at.radio(key="config.f.method").value == "qlora"  # the preset's, until the recipe is applied
        assert "约 8 token/秒：QLoRA 训练时在 24 层的 1.8B 模型上实测" in sample_caption()
        at.button(key="config.recipe_apply").click().run()
        assert at.radio(key="config.f.method").value == "lora"
        assert "约 24 token/秒：LoRA 训练时在 24 层的 1.8B 模型上实测" in sample_caption(), sample_caption()
        # Five records make a 9-iteration run, too short for 0.03 warmup (the page would refuse it).
        at.number_input(key="config.f.warmup_ratio").set_value(0.0)
        at.button(key="config.save").click().run()
        assert not at.exception and any("配置已保存" in x.value for x in at.success), [e.value for e in at.error]
        values, out = config.load_with_mmengine(Path(env_ws.settings()["config"]),
                                                ["batch_size", "accumulative_counts", "model"])
        assert values["batch_size"] == 4 and values["accumulative_counts"] == 4, out
        assert "'use_activation_checkpointing': False" in values["model"]
        assert "'quantization_config': None" in values["model"] and "bfloat16" in values["model"]
        # The recipe keeps the frozen model in bf16: the saved config carries the app's hook, and the
        # memory estimate is the hook's (InternLM2 with SDPA: 37.3 GB estimated, 37.5 GB measured on an H200).
        saved = Path(env_ws.settings()["config"])
        assert at.checkbox(key="config.f.half").value is True
        assert config.uses_app_hooks(saved.read_text(encoding="utf-8"))
        assert "attn_implementation='sdpa'" in saved.read_text(encoding="utf-8")  # visible in the written config
        assert any("37.3 GB" in m.value for m in at.markdown), [m.value for m in at.markdown if "GB" in m.value]
        at.run()  # the next run reloads the form from the saved file (as any click would)
        assert at.checkbox(key="config.f.half").value is True
        at.checkbox(key="config.f.half").uncheck()
        at.button(key="config.save").click().run()
        assert not at.exception and any("配置已保存" in x.value for x in at.success)
        assert not config.uses_app_hooks(saved.read_text(encoding="utf-8"))
        assert any("46.6 GB" in m.value for m in at.markdown)
    finally:
        st.cache_data.clear()


@pytest.mark.parametrize("search, preset, outcome", [
    # full fine-tune only, and no warmup_ratio: saved, with the missing setting named
    ("internlm2_7b_full", "internlm2_7b_full_finetune_custom_dataset_e1", "预热比例 warmup_ratio"),
    # no prompt template, no SYSTEM: saved, both named
    ("mistral_7b_qlora_skypile", "mistral_7b_qlora_skypile_pretrain_e1", "对话模板, 系统提示 SYSTEM"),
    # reads its data without a file path: refused up front, with the reason
    ("polar", "POLAR_1_8B_full_varlenattn_custom_dataset", None),
])
def test_config_page_with_a_preset_the_form_does_not_fit_explains_instead_of_crashing(env_ws, demo_model,
                                                                                     search, preset, outcome):
    """XTuner ships ~590 presets and about a third lack a setting the form edits. Picking one must
    save what applies and name what does not, or say why the preset cannot be used; never crash."""
    _ready_ws(env_ws, demo_model)
    at = _app("pages/config.py").run()
    at.text_input(key="config.search").set_value(search).run()
    at.selectbox(key="config.preset").set_value(preset).run()
    assert not at.exception, at.exception
    submit = [b for b in at.button if b.key == "config.save"]
    if outcome is None:
        assert not submit
        assert any(f"预设 {preset} 用不了" in e.value and "数据集文件路径" in e.value for e in at.error)
        return
    assert any(w.value.endswith(outcome) for w in at.warning), [w.value for w in at.warning]
    submit[0].click().run()
    assert not at.exception, at.exception
    assert any("配置已保存" in x.value for x in at.success), [e.value for e in at.error]
    saved = Path(env_ws.settings()["config"])
    assert saved.name == f"{preset}_copy.py"
    values, output = config.load_with_mmengine(saved, ["pretrained_model_name_or_path"])
    assert values == {"pretrained_model_name_or_path": str(demo_model)}, output


def _train_config(env_ws, demo_model, accum: int = 8) -> None:
    _ready_ws(env_ws, demo_model)
    (env_ws.configs_dir / "c.py").write_text(config.tutorial_config(
        str(demo_model), str(env_ws.dataset_path), cpu=True, demo=True,
        extra={"batch_size": 1, "accumulative_counts": accum, "max_epochs": 50}), "utf-8")


def test_train_page_slurm_form_shows_script_and_command_and_names_bad_fields(env_ws, demo_model, monkeypatch):
    import streamlit as st

    from core import slurm

    _train_config(env_ws, demo_model)
    monkeypatch.setattr(slurm, "missing_commands", lambda: [])  # the form as on a login node, Slurm or not
    monkeypatch.setattr(slurm, "partitions", lambda: ["gpu", "cpu"])
    st.cache_data.clear()
    at = _app("pages/train.py").run()
    at.radio(key="train.where").set_value("slurm").run()
    assert not at.exception
    assert at.text_input(key="train.slurm.partition").value == "gpu"
    at.number_input(key="train.slurm.nodes").set_value(2)
    at.number_input(key="train.slurm.gpus").set_value(4).run()
    # 2 nodes x 4 GPUs: the one-GPU effective batch (1 x 8) is kept with accumulation 1.
    assert at.checkbox(key="train.keep_batch").value is True
    script, command = at.code[0].value, at.code[1].value
    for line in ("#SBATCH --partition=gpu", "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=4",
                 "#SBATCH --gres=gpu:4", "--launcher slurm", "optim_wrapper.accumulative_counts=1"):
        assert line in script, line
    assert command.startswith("sbatch --parsable ") and command.endswith("slurm.sbatch'")
    assert any("NFS" in i.value for i in at.info)  # every node must see the workspace
    assert not at.button(key="train.slurm.submit").disabled

    at.text_input(key="train.slurm.time").set_value("12 hours")
    at.text_area(key="train.slurm.extra").set_value("--account=lab\n--output=/tmp/x.log").run()
    errors = [e.value for e in at.error]
    assert any("12 hours" in e for e in errors) and any("第 2 行" in e and "--output" in e for e in errors), errors
    assert at.button(key="train.slurm.submit").disabled
    assert env_ws.run_dirs() == []
    st.cache_data.clear()


def test_train_page_slurm_without_sbatch_says_so_before_submitting(env_ws, demo_model, monkeypatch, tmp_path):
    import streamlit as st

    _train_config(env_ws, demo_model)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without Slurm's commands
    st.cache_data.clear()
    at = _app("pages/train.py").run()
    at.radio(key="train.where").set_value("slurm").run()
    assert not at.exception
    assert any("sbatch" in w.value for w in at.warning)
    assert at.button(key="train.slurm.submit").disabled
    st.cache_data.clear()


def test_train_page_several_nodes_by_hand_shows_each_nodes_command(env_ws, demo_model):
    _train_config(env_ws, demo_model)
    at = _app("pages/train.py").run()
    at.radio(key="train.where").set_value("nodes").run()
    assert not at.exception
    at.number_input(key="train.nodes.count").set_value(3)
    at.number_input(key="train.nodes.gpus").set_value(8)
    at.text_input(key="train.nodes.addr").set_value("10.0.0.5")
    at.number_input(key="train.nodes.port").set_value(29611).run()
    commands = [c.value for c in at.code]
    assert len(commands) == 3
    for rank, command in enumerate(commands):
        one = "" if "OMP_NUM_THREADS" in os.environ else "OMP_NUM_THREADS=1 "  # the small demo model
        assert command.startswith(f"{one}NPROC_PER_NODE=8 NNODES=3 NODE_RANK={rank} ADDR=10.0.0.5 PORT=29611 "
                                  "xtuner train "), command
    # 24 processes: accumulation 8 does not divide by 24, and the page says so instead of changing it.
    assert all("--cfg-options" not in c for c in commands)
    assert any("不能被 24 整除" in c.value for c in at.caption)
    at.text_input(key="train.nodes.addr").set_value("").run()
    assert at.error and at.button(key="train.nodes.start").disabled


def test_train_page_submits_to_slurm_shows_the_job_and_stops_it(env_ws, demo_model):
    """With a real cluster (.ci/slurm-up; skipped without one, required in CI): submit from the page,
    a second tab sees the Slurm job, and Stop cancels it (recorded as stopped)."""
    from tests.e2e.cluster_setup import slurm_partition

    partition = slurm_partition()
    _train_config(env_ws, demo_model)
    at = _app("pages/train.py").run()
    at.radio(key="train.where").set_value("slurm").run()
    at.text_input(key="train.slurm.partition").set_value(partition)
    at.number_input(key="train.slurm.gpus").set_value(0)
    at.number_input(key="train.slurm.cpus").set_value(1).run()
    at.button(key="train.slurm.submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    run_dir = env_ws.run_dirs()[0]
    job_id = jobs.status(run_dir).record["slurm"]["job_id"]
    other = _app("pages/train.py").run()
    assert not other.exception
    assert any(f"Slurm 作业 {job_id}" in c.value for c in other.caption)
    other.button(key="train.stop").click().run()
    assert jobs.status(run_dir).state == jobs.STOPPED


def _finished_run(ws: Workspace, log: str) -> Path:
    """A run folder whose job (a stand-in for XTuner printing ``log``) has ended."""
    import sys
    import time

    from core.xtuner_cli import Invocation

    run_dir = ws.new_run_dir("train")
    code = f"print({log!r})"
    jobs.start(run_dir, [jobs.Step("train", Invocation(argv=[sys.executable, "-c", code], env={}, display="train"))],
               kind="train", meta={})
    deadline = time.time() + 120
    while jobs.status(run_dir).active:
        if time.time() > deadline:
            pytest.fail(f"the stand-in job in {run_dir} did not end in 120 s")
        time.sleep(0.2)
    return run_dir


@pytest.mark.parametrize("lang, words", [("zh", "学习率一直远低于配置"), ("en", "The learning rate stays far below")])
def test_train_page_warns_when_the_learning_rate_never_reached_the_configs(env_ws, lang, words):
    """0.03 x 2 epochs x 32 iterations = 1.92: one warmup iteration, the lr stays at 1e-5 x lr."""
    import json

    env_ws.update_settings(lang=lang)
    run_dir = _finished_run(env_ws, "\n".join(
        f"Iter(train) [{i}/64]  lr: 2.0000e-09  eta: 0:00:01  time: 0.1000  loss: 7.5400" for i in range(10, 70, 10)))
    paths = runs.RunPaths(run_dir)
    paths.config.write_text(config.render(config.preset_source(config.DEFAULT_PRESET),
                                          {"lr": 2e-4, "warmup_ratio": 0.03, "max_epochs": 2}), encoding="utf-8")
    vis = paths.work_dir / "20250101_000000" / "vis_data"
    vis.mkdir(parents=True)
    (vis / "scalars.json").write_text("".join(json.dumps({"lr": 2e-9, "loss": 7.54, "iter": i}) + "\n"
                                              for i in range(10, 70, 10)), encoding="utf-8")
    at = _app("pages/train.py")
    at.session_state["app.lang"] = lang
    at.run()
    assert not at.exception
    warned = [w.value for w in at.warning if words in w.value]
    assert warned and "2e-09" in warned[0] and "0.0002" in warned[0], [w.value for w in at.warning]
    # The same run with a learning rate that follows the schedule: no warning.
    (vis / "scalars.json").write_text("".join(json.dumps({"lr": 2e-4, "loss": 7.54, "iter": i}) + "\n"
                                              for i in range(10, 40, 10)), encoding="utf-8")
    at = _app("pages/train.py")
    at.session_state["app.lang"] = lang
    at.run()
    assert not at.exception and not [w.value for w in at.warning if words in w.value]
