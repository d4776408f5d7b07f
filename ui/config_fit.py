"""The config page's "will it fit?" section: the memory estimate against this GPU, the iterations and time
of the form's dataset, and what the sample answers during training cost."""

from __future__ import annotations

import streamlit as st

from core import config as cfg
from core import config_form, estimate, monitor, plan, sample_cost, sysinfo
from core.workspace import Workspace
from ui.i18n import t


def memory(form: config_form.FormValues, shape: estimate.ModelShape | None, gpus: list[sysinfo.GPU]) -> None:
    """The training's memory estimate and whether it fits the first GPU."""
    if shape is None or not form.sizes_sane():
        return
    mem = estimate.training_memory(shape, method=form.method, max_length=int(form.max_length),
                                   micro_batch=int(form.batch_size), lora_r=int(form.lora_r),
                                   checkpointing=form.checkpointing, attention=form.attention,
                                   half_frozen=bool(form.half_frozen)
                                   and cfg.half_frozen_applies(form.method, form.precision, form.cpu))
    hb = sysinfo.human_bytes
    st.markdown(t("config.fit.estimate", need=hb(mem.total), w=hb(mem.weights), tr=hb(mem.trainable),
                  act=hb(mem.activations)))
    if form.cpu or not gpus:
        st.info(t("config.fit.nogpu"))
    elif mem.total <= gpus[0].free * 0.95:
        st.success(t("config.fit.ok", gpu=gpus[0].name, free=hb(gpus[0].free)))
    else:
        st.error(t("config.fit.tight", gpu=gpus[0].name, free=hb(gpus[0].free)))


def iterations(form: config_form.FormValues, counts: plan.Plan | None, shape: estimate.ModelShape | None,
               ws: Workspace) -> None:
    """Tokens, packed samples and iterations of the form's dataset, the time at the measured speed, and the
    sample answers' rounds and share of the run."""
    if not counts:
        return
    total_iters = counts.total
    st.markdown(t("config.fit.iters", tokens=f"{counts.tokens:,}", packed=f"{counts.packed:,}",
                  iters=f"{counts.per_epoch:,}", total=f"{total_iters:,}"))
    measured = monitor.measured_speed(ws.run_dirs())
    speed = measured.seconds_per_iter if measured else None
    if speed:
        st.markdown(t("config.fit.time", sec=speed, time=monitor.format_duration(speed * total_iters)))
    save_steps, eval_freq, n_tokens = int(form.save_steps), int(form.evaluation_freq), int(form.sample_tokens)
    if not (form.sample_tokens_sane() and save_steps >= 1):  # validate words the error otherwise
        return
    n_q = len(form.settings()["evaluation_inputs"])
    method, cpu = form.method, form.cpu
    n_rounds = sample_cost.rounds(total_iters, eval_freq, save_steps)
    tps = sample_cost.tokens_per_s(method, shape.layers if shape else None)
    sample_s = sample_cost.seconds(total_iters, eval_freq, save_steps, n_q, n_tokens, tps)
    st.caption(t("config.fit.samples", rounds=n_rounds, q=n_q, tokens=n_tokens)
               + ("" if cpu else " " + t("config.fit.samples_gpu", sec=monitor.format_duration(sample_s),
                                         tps=f"{tps:.0f}", layers=shape.layers if shape else "?",
                                         method=t(f"config.method_short.{method}"))))
    if speed and not cpu:
        cost = sample_cost.share(total_iters, speed, eval_freq, save_steps, n_q, n_tokens, tps)
        if cost.share > sample_cost.TARGET_SHARE:
            hint = (t("config.fit.samples_freq", freq=cost.suggested_freq) if cost.suggested_freq
                    else t("config.fit.samples_fewer"))
            st.warning(t("config.fit.samples_share", pct=f"{cost.share:.0%}") + " " + hint)
