"""The config page's recipe picker: every training recipe's memory and speed on this GPU, the fastest
that fits marked "auto"; applying one sets the form's method, precision, batch and accumulation."""

from __future__ import annotations

import streamlit as st

from core import estimate, recipes, sysinfo
from ui.i18n import t
from ui.keys import Config as K


def picker(shape: estimate.ModelShape, gpu: sysinfo.GPU, attention: str, max_length, *, expanded: bool) -> None:
    """The recipe table and choice for ``shape`` on ``gpu`` at the form's sample length (``max_length``
    until the form has one), in an expander (open when nothing is saved yet)."""
    ml = int(st.session_state.get(K.MAX_LENGTH, max_length))
    with st.expander(t("config.recipe"), expanded=expanded):
        st.caption(t("config.recipe.help", gpu=gpu.name, free=sysinfo.human_bytes(gpu.free)))
        choices = recipes.evaluate(shape, ml, gpu.free, gpus=1, attention=attention)
        best = recipes.auto(shape, ml, gpu.free, bf16=gpu.bf16, attention=attention)
        st.dataframe([{
            t("config.recipe.col.name"): c.recipe.key, t("config.recipe.col.method"): c.recipe.method,
            t("config.recipe.col.precision"): c.recipe.precision,
            t("config.recipe.col.ckpt"): c.recipe.checkpointing,
            t("config.recipe.col.half"): c.recipe.half_frozen,
            t("config.recipe.col.batch"): f"{c.recipe.micro_batch} × {c.recipe.accumulation()}",
            t("config.recipe.col.memory"): sysinfo.human_bytes(c.memory),
            t("config.recipe.col.fits"): c.fits, t("config.recipe.col.speed"): c.recipe.speed_for(shape),
        } for c in choices], hide_index=True, width="stretch")
        st.caption(t("config.recipe.arch_internlm2" if shape.fused_qkv else "config.recipe.arch_llama",
                     attn=attention))
        keys = [c.recipe.key for c in choices]
        default = keys.index(best.recipe.key) if best else keys.index(recipes.TUTORIAL.key)
        picked = st.selectbox(t("config.recipe.pick"), keys, index=default, key="config.recipe",
                              format_func=lambda k: k + (f" — {t('config.recipe.auto')}" if best and
                                                         k == best.recipe.key else ""))
        if st.button(t("config.recipe.apply"), key="config.recipe_apply"):
            r = next(c.recipe for c in choices if c.recipe.key == picked)
            st.session_state.update({
                K.METHOD: r.method, K.PRECISION: r.precision, K.CKPT: r.checkpointing,
                K.BATCH_SIZE: r.micro_batch, K.ACCUMULATIVE_COUNTS: r.accumulation(),
                K.HARDWARE: "gpu", K.HALF: r.half_frozen or r.method != "lora"})
            st.rerun()
