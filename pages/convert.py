"""Convert & merge: checkpoint → HuggingFace adapter → merged model, checked and ready to take away."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import convert, jobs, monitor, run_outcome, runs, sysinfo
from core.runs import RunPaths
from ui import convert_guard, job_panel, learning_panel
from ui.auth import gate
from ui.common import workspace
from ui.flash import flash, show_flash
from ui.i18n import t
from ui.keys import Convert as K

gate()
ws = workspace()
st.title(t("convert.title"))
st.caption(t("convert.intro"))


@st.cache_data(ttl=120, show_spinner=False)
def _gpu_free() -> int | None:
    gpus = sysinfo.gpu_info()[0]
    return gpus[0].free if gpus else None


candidates = [d for d in ws.run_dirs() if convert.checkpoints(RunPaths(d).work_dir) or
              convert.is_adapter_dir(RunPaths(d).adapter)]
if not candidates:
    st.info(t("convert.no_runs"))
    st.stop()
show_flash()

training = {d.name for d in candidates if run_outcome.still_training(d)}
run_name = st.selectbox(t("convert.run"), [d.name for d in candidates], key="convert.run",
                        format_func=lambda n: convert_guard.mark(n, n in training))
run = RunPaths(ws.runs_dir / run_name)
meta = runs.meta(run.root)
ckpts = convert.checkpoints(run.work_dir)
ckpt_name = st.selectbox(t("convert.checkpoint"), [c.name for c in ckpts], key="convert.ckpt",
                         format_func=lambda n: convert_guard.mark(n, run_name in training)) if ckpts else None
checkpoint = run.work_dir / ckpt_name if ckpt_name else None
may_convert = checkpoint is not None and convert_guard.confirmed(run_name, run_name in training)
job_active = (run.convert_job / "job.json").exists() and jobs.status(run.convert_job).active

c1, c2 = st.columns(2)
with c1:
    st.markdown(f"**{t('convert.pth_options')}**")
    fp32 = st.checkbox(t("convert.fp32"), key="convert.fp32")
    shard = st.text_input(t("convert.shard"), value="2GB", key="convert.shard")
    safe = st.checkbox(t("convert.safetensors"), value=True, key="convert.safe")
with c2:
    st.markdown(f"**{t('convert.merge_options')}**")
    with st.spinner(t("sys.checking_gpu")):
        gpu_free = _gpu_free()
    devices = ["cpu", "auto", "cuda"] if gpu_free is not None else ["cpu"]
    base = Path(meta.get("model") or "")
    pf = convert.preflight(base, checkpoint or run.adapter, ws.root, merge=True, device="cpu", gpu_free=gpu_free)
    device = st.radio(t("convert.device"), devices, index=devices.index(pf.suggested_device), horizontal=True,
                      key="convert.device")

# ---- preflight
pf = convert.preflight(base, checkpoint or run.adapter, ws.root, merge=True, device=device, gpu_free=gpu_free)
hb = sysinfo.human_bytes
with st.container(border=True):
    st.markdown(f"**{t('convert.preflight')}**")
    st.write(t("convert.pf.disk", need=hb(pf.disk_needed), free=hb(pf.disk_free)))
    st.write(t("convert.pf.model", size=hb(pf.model_bytes), ram=hb(pf.ram_free),
               gpu=t("convert.pf.gpu", free=hb(gpu_free)) if gpu_free is not None else ""))
    st.markdown(t("convert.pf.suggest", device=pf.suggested_device))
    for key in pf.warnings:
        st.warning(t(key))

options = dict(device=device, fp32=fp32, max_shard_size=shard.strip() or None, safe_serialization=safe,
               cpu_only=gpu_free is None)
b1, b2, b3 = st.columns(3)
clicked = None
if b1.button(t("convert.both"), type="primary", disabled=job_active or not may_convert, key="convert.both"):
    clicked = dict(do_convert=True, do_merge=True)
if b2.button(t("convert.only_convert"), disabled=job_active or not may_convert,
              key="convert.only_convert"):
    clicked = dict(do_convert=True, do_merge=False)
if b3.button(t("convert.only_merge"), disabled=job_active or not convert.is_adapter_dir(run.adapter),
             key="convert.only_merge"):
    clicked = dict(do_convert=False, do_merge=True)
if clicked:
    try:
        runs.start_convert(ws, run.root, checkpoint=checkpoint, **clicked, **options)
    except jobs.JobError as exc:
        st.error(str(exc))
    else:
        flash("success", t("convert.started", name=run.root.name))
        st.rerun()


# ---- progress of the job
def _render(snap: monitor.Snapshot) -> None:
    status = snap.status
    job_panel.state_badge(status.state, t(f"convert.state.{status.state}"))
    steps = status.record.get("steps", [])
    progress = jobs.progress(snap.job_dir)
    if progress and status.active:
        st.progress((progress["step"] - 1) / max(1, progress["of"]),
                    text=t("convert.step", i=progress["step"], n=progress["of"], name=progress["name"]))
    st.caption(f"{t('train.elapsed')}: {monitor.format_duration(status.elapsed)}")
    st.code("\n".join(s.get("display", "") for s in steps), language="bash", wrap_lines=True)
    if status.state == jobs.FAILED:
        st.error(t("convert.failed", step=status.failed_step or "?") + " " +
                 (t(snap.failure) if snap.failure else t("train.failed_unknown")))
    answers = convert.verify_answers(snap.log_tail)
    if answers and status.state == jobs.SUCCEEDED:
        learning_panel.merged_model(run.root, answers)
    with st.expander(t("train.log"), expanded=status.state == jobs.FAILED):
        st.code(snap.log_tail or " ", language="log")


if (run.convert_job / "job.json").exists():
    st.subheader(t("convert.job"))
    if job_active and st.button(t("convert.stop"), key="convert.stop"):
        jobs.stop(run.convert_job)
        st.rerun()
    job_panel.live(run.convert_job, f"convert.live.{run.root.name}", _render)

# ---- outputs
partial = convert.partial_path(run.merged)
if partial.exists() and not job_active:
    st.warning(t("convert.partial", path=partial))
    if st.button(t("convert.delete_partial"), key="convert.delete_partial"):
        ws.remove_tree(partial)
        st.rerun()

c1, c2 = st.columns(2)
for col, title, folder in ((c1, t("convert.adapter"), run.adapter), (c2, t("convert.merged"), run.merged)):
    with col:
        st.markdown(f"**{title}**")
        ready = convert.is_adapter_dir(folder) if folder == run.adapter else convert.merged_ready(folder)
        if not ready:
            st.caption(t("convert.none_yet"))
            continue
        st.code(str(folder), language=None, wrap_lines=True)
        tree = convert.output_tree(folder)
        st.dataframe(pd.DataFrame([{t("convert.file"): name, t("convert.size"): hb(size)} for name, size in tree]),
                     hide_index=True, width="stretch")

if convert.is_adapter_dir(run.adapter):
    if st.button(t("convert.zip"), key="convert.zip"):
        st.session_state[K.ZIP_BYTES] = (run.root.name, convert.zip_folder(run.adapter))
    ready_zip = st.session_state.get(K.ZIP_BYTES)
    if ready_zip and ready_zip[0] == run.root.name:
        st.download_button(t("convert.download"), ready_zip[1], file_name=f"{run.root.name}-adapter.zip",
                           mime="application/zip", key="convert.download")

if convert.merged_ready(run.merged):
    st.subheader(t("convert.take_away"))
    st.caption(t("convert.take_away.help"))
    template = meta.get("template") or "internlm2_chat"
    st.code(f"xtuner chat {run.merged} --prompt-template {template}\n"
            f"lmdeploy chat {run.merged}\n"
            f"lmdeploy serve api_server {run.merged} --server-port 23333", language="bash", wrap_lines=True)
