"""Training monitor: start, watch live, stop, resume; the run history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import attempts, cluster, convert, eta, jobs, logs, monitor, recipes, run_outcome, runs, sysinfo, xtuner_cli
from core import config as cfg
from core.runs import RunPaths
from ui import cluster_panel, job_panel, learning_panel, retry_panel, run_view, train_live
from ui.auth import gate
from ui.charts import number, steps_chart
from ui.common import workspace
from ui.flash import flash, show_flash
from ui.i18n import t
from ui.keys import Train as K

HISTORY_REFRESH_SECONDS = 30.0  # the live panel shows the running run; its history row may lag
LIVE_REFRESH_SECONDS = 3.0  # each refresh costs the server ~50 ms of CPU per open tab (benchmarks/watch_cpu.py)

gate()
ws = workspace()
st.title(t("train.title"))
st.caption(t("train.intro"))


@st.cache_data(ttl=300, show_spinner=False)
def _gpu_count() -> int:
    return len(sysinfo.gpu_info()[0])


def _accumulation_on(gpus: int, summary: dict) -> int | None:
    """Ask whether to keep the config's one-GPU effective batch on ``gpus`` GPUs; the accumulation to use."""
    batch, accum = summary.get("batch_size"), summary.get("accumulative_counts")
    if not (isinstance(batch, int) and isinstance(accum, int)) or summary.get("sequence_parallel_size", 1) != 1:
        return None  # with sequence parallelism the preset multiplies the accumulation itself
    one, many = batch * accum, batch * accum * gpus
    keep = recipes.accumulation_on(gpus, batch, accum)
    if keep is None:
        st.caption(t("train.batch_grows", one=one, many=many, gpus=gpus) + " "
                   + t("train.batch_indivisible", accum=accum, gpus=gpus))
        return None
    if st.checkbox(t("train.keep_batch", one=one, keep=keep, gpus=gpus), value=True, key="train.keep_batch",
                   help=t("train.keep_batch_help")):
        return keep
    st.caption(t("train.batch_grows", one=one, many=many, gpus=gpus))
    return None


def _state_label(state: str) -> str:
    return t(f"train.state.{state}")


def _render_live(snap: monitor.Snapshot) -> None:
    status, prog = snap.status, snap.progress
    job_panel.state_badge(status.state, _state_label(status.state))
    cluster_panel.run_notes(snap)
    if prog.total:
        done = prog.total if status.state == jobs.SUCCEEDED else prog.iteration  # the log shows every 10th
        st.progress(done / prog.total, text=t("train.progress", i=done, n=prog.total))
    elif status.active:
        train_live.preparing(snap.phase)
    c1, c2, c3, c4 = st.columns(4)
    past = attempts.history(snap.job_dir)  # a resumed run: its earlier attempts count too
    c1.metric(t("train.elapsed"), monitor.format_duration((status.elapsed or 0.0) + past.earlier_seconds
                                                          if status.elapsed is not None else None))
    left = eta.remaining(prog) if status.active else None
    c2.metric(t("train.eta"), eta.format_left(left) if left is not None else "–")
    c3.metric(t("train.tps"), f"{snap.tokens_per_s:,.0f}" if snap.tokens_per_s else "–")
    c4.metric(t("train.memory"), f"{snap.memory_mb / 1024:.1f} GB" if snap.memory_mb else "–")
    if status.state == jobs.FAILED:
        code = t("train.exit_code", code=status.exit_code) if status.exit_code is not None else "?"
        st.error(t("train.failed", code=code) + " " + (t(snap.failure) if snap.failure else t("train.failed_unknown")))
    learning_panel.finished_run(snap.job_dir, status.state)
    rows = snap.watch.scalar_rows()  # only the rows appended since the last refresh are read
    low = monitor.low_lr(snap.job_dir, rows, prog.total)
    if low:
        st.warning(t("train.lr_low", logged=f"{low.logged:.3g}", lr=f"{low.configured:.3g}", it=low.iteration,
                     warmup=low.warmup))
    train_live.charts(rows, past.resumed_at)
    train_live.sample_answers(snap.watch.sample_answers())
    with st.expander(t("train.log"), expanded=status.state == jobs.FAILED):
        st.code(snap.log_tail or " ", language="log")


def _start_form() -> None:
    configs = runs.configs(ws)
    if not configs:
        st.info(t("train.no_config"))
        return
    chosen_setting = ws.settings().get("config")
    names = [p.name for p in configs]
    index = names.index(Path(chosen_setting).name) if chosen_setting and Path(chosen_setting).name in names else 0
    name = st.selectbox(t("train.config"), names, index=index, key="train.config")
    config_path = ws.configs_dir / name
    source = config_path.read_text(encoding="utf-8")
    summary = cfg.config_summary(source)
    where = cluster_panel.where_to_run()
    if where != cluster.LOCAL:
        form = cluster_panel.slurm_form if where == cluster.SLURM else cluster_panel.nodes_form
        form(ws, config_path, summary, _accumulation_on)
        return
    with st.spinner(t("sys.checking_gpu")):
        gpus_available = _gpu_count()
    options = ["cpu"] + (["gpu1"] if gpus_available >= 1 else []) + (["gpuN"] if gpus_available >= 2 else [])
    hw = st.radio(t("train.hardware"), options, index=min(1, len(options) - 1), horizontal=True,
                  format_func=lambda o: t(f"train.hw.{o}"), key="train.hardware")
    gpus, deepspeed, accum = 1, None, None
    if hw == "gpuN":
        gpus = st.number_input(t("train.gpus"), min_value=2, max_value=gpus_available, value=gpus_available,
                               key="train.gpus")
        accum = _accumulation_on(int(gpus), summary)
    if hw != "cpu" and not sysinfo.has_package("deepspeed"):
        st.caption(t("train.deepspeed_missing"))
    elif hw != "cpu":
        # On several GPUs ZeRO-2 is the measured better choice for LoRA (benchmarks/RESULTS.md); one
        # key per hardware choice and method, so switching to several GPUs picks it again.
        choices = ["none", *xtuner_cli.DEEPSPEED_CHOICES]
        measured = hw == "gpuN" and summary["method"] in ("lora", "full")  # QLoRA + ZeRO-2 not measured here
        ds = st.selectbox(t("train.deepspeed"), choices, key=f"train.deepspeed.{hw}.{summary['method']}",
                          index=choices.index("deepspeed_zero2") if measured else 0,
                          help=t("train.deepspeed_help"),
                          format_func=lambda o: t("train.deepspeed_none") if o == "none" else o)
        deepspeed = None if ds == "none" else ds
    blocked = summary["method"] == "qlora" and hw == "cpu"
    if blocked:
        st.warning(t("train.qlora_cpu"))
    inv = xtuner_cli.train(config_path, ws.runs_dir / "<run>" / "work_dir", gpus=int(gpus), deepspeed=deepspeed,
                           accumulative_counts=accum, model=summary["model"])  # as runs.start_training runs it
    st.caption(t("train.command"))
    st.code(inv.display, language="bash", wrap_lines=True)  # the whole command in view, options too
    auto_retry = retry_panel.opt_in()
    if st.button(t("train.start"), type="primary", disabled=blocked, key="train.start"):
        try:
            run_dir = runs.start_training(ws, config_path, gpus=int(gpus), deepspeed=deepspeed,
                                          accumulative_counts=accum, auto_retry=auto_retry)
        except jobs.JobError:
            st.error(t("train.busy"))
        else:
            st.session_state[K.STARTED] = run_dir.name
            run_view.follow(run_dir.name)
            st.rerun()


# ---- the current training, if any
show_flash()
active = jobs.active_jobs(ws.runs_dir, "train")
if st.session_state.get(K.STARTED):
    # The start is confirmed for as long as the run it started is running (every rerun of the page
    # shows it, however late this tab's first look comes), and once more after it has ended.
    st.success(t("train.started", name=st.session_state[K.STARTED]))
    if not (active and active[0].name == st.session_state[K.STARTED]):
        del st.session_state[K.STARTED]
run_view.watching(active[0].name if active else None)  # a run that starts or ends here is the one to show
if active:
    run_dir = active[0]
    st.subheader(t("train.current", name=run_dir.name))
    if st.button(t("train.stop"), key="train.stop", type="primary"):
        with st.spinner(t("train.stopping")):
            jobs.stop(run_dir)
        run_view.follow(run_dir.name)
        st.rerun()
    job_panel.live(run_dir, f"train.live.{attempts.number(run_dir)}", _render_live, every=LIVE_REFRESH_SECONDS)
else:
    _start_form()

# ---- history
st.divider()
st.subheader(t("train.history"))
run_dirs = [d for d in ws.run_dirs() if (d / "job.json").exists()]
if not run_dirs:
    st.write(t("train.no_runs"))
    st.stop()


def _history_table() -> None:
    """One row per run; while a training runs, a fragment refreshes it (its duration, iterations, loss)."""
    summaries = [monitor.summarize(d) for d in ws.run_dirs() if (d / "job.json").exists()]
    table = pd.DataFrame([{
        t("train.col.run"): s.name, t("train.col.state"): _state_label(s.state), t("train.col.config"): s.config,
        t("train.col.data"): s.dataset_hash or "–", t("train.col.duration"): monitor.format_duration(s.duration),
        t("train.col.iters"): number(s.iterations), t("train.col.loss"): number(s.final_loss),
    } for s in summaries])
    st.dataframe(table, hide_index=True, width="stretch")


st.fragment(_history_table, run_every=HISTORY_REFRESH_SECONDS if active else None)()

names = [d.name for d in run_dirs]
picked = run_view.pick(names)
picked_dir = ws.runs_dir / picked
picked_status = jobs.status(picked_dir)
if not picked_status.active:
    picked_snap = monitor.snapshot(job_panel.watch_for(picked_dir, f"train.history.{attempts.number(picked_dir)}"))
    run_view.end_state(run_outcome.outcome(picked_dir, picked_snap.progress, picked_snap.status.state))
    _render_live(picked_snap)
    if picked_status.state == jobs.FAILED:
        retry_panel.offer(ws, picked_dir, busy=bool(active))
    ckpts = convert.checkpoints(RunPaths(picked_dir).work_dir)
    left, right = st.columns(2)
    with left:
        if ckpts:
            ck = st.selectbox(t("train.checkpoint"), [c.name for c in ckpts], key="train.resume_ckpt")
            if st.button(t("train.resume"), key="train.resume", disabled=bool(active)):
                try:
                    new_dir = cluster.resume(ws, picked_dir, RunPaths(picked_dir).work_dir / ck)
                except jobs.JobError as exc:
                    cluster_panel.show_error(exc)
                else:
                    st.session_state[K.STARTED] = new_dir.name
                    run_view.follow(new_dir.name)
                    st.rerun()
        else:
            st.caption(t("train.no_checkpoint"))
    with right:
        sure = st.checkbox(t("train.delete_confirm", name=picked), key=K.DELETE_CONFIRM)
        if st.button(t("train.delete"), key="train.delete", disabled=not sure):
            try:
                runs.delete_run(ws, picked_dir)
            except (jobs.JobError, ValueError, OSError) as exc:
                st.error(str(exc))
            else:
                flash("success", t("train.deleted", name=picked))
                st.session_state.pop(K.DELETE_CONFIRM, None)
                st.rerun()

if len(names) >= 2:
    with st.expander(t("train.compare")):
        pair = st.multiselect(t("train.compare"), names, default=names[:2], max_selections=2, key="train.overlay",
                              label_visibility="collapsed")
        series = {}
        for name in pair:
            rows = logs.read_scalars(RunPaths(ws.runs_dir / name).work_dir)
            if rows:
                series[name] = pd.Series({r["iter"]: r.get("loss") for r in rows})
        if series:
            steps_chart(pd.DataFrame(series), height=260)
