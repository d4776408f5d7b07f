"""The dataset page asks for a GPU count only on a machine with GPUs; without one it says the
steps are counted for one CPU process (the issue saw 「训练用几块 GPU」 showing 1 on a CPU)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from core import config, sysinfo
from core.workspace import ENV_VAR

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "dataset.py")


def _steps(at: AppTest) -> int:
    """The page's total steps (「约 N」 when the count depends on XTuner's shuffle)."""
    return int({m.label: m.value for m in at.metric}["总步数"].removeprefix("约 ").replace(",", ""))


def _page_with_counts(ws, demo_model, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    ws.update_settings(base_model=str(demo_model))
    (ws.configs_dir / "c.py").write_text(
        config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True), "utf-8")
    st.cache_data.clear()
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    assert not at.exception
    return at


def test_no_gpu_count_without_a_gpu(ws, demo_model, monkeypatch):
    monkeypatch.setattr(sysinfo, "gpu_info", lambda timeout=60: ([], None))  # this machine, said for sure
    at = _page_with_counts(ws, demo_model, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["训练硬件"] == "CPU" and "训练用几块 GPU" not in metrics, metrics
    assert not [n for n in at.number_input if n.key == "dataset.gpus"]
    assert _steps(at) > 0


def test_gpu_count_on_a_machine_with_gpus(ws, demo_model, monkeypatch):
    gpu = sysinfo.GPU(name="NVIDIA H100 80GB HBM3", free=79 * 2**30, total=80 * 2**30, bf16=True)
    monkeypatch.setattr(sysinfo, "gpu_info", lambda timeout=60: ([gpu, gpu], "13.0"))
    try:
        at = _page_with_counts(ws, demo_model, monkeypatch)
        one = _steps(at)
        at.number_input(key="dataset.gpus").set_value(2).run()
        two = _steps(at)
        assert "训练硬件" not in {m.label for m in at.metric}
        assert two < one  # two GPUs share the steps
    finally:
        st.cache_data.clear()
