"""The dataset page's check section: the built dataset's statistics and warnings, its training plan
(tokens, packed samples, iterations, time from a measured speed) and a record as the model sees it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from core import dataset_build, monitor, plan, templates
from core import dataset_stats as dstats
from ui import hardware, learning_panel
from ui.common import workspace
from ui.dataset_widgets import counted, problems_table
from ui.i18n import t
from ui.keys import Dataset as K


@st.cache_resource(show_spinner=False)
def tokenizer_for(path: str):
    return dstats.load_tokenizer(path)


@st.cache_data(show_spinner=False, max_entries=8)
def plan_for(key: str, model: str, settings: plan.Settings, _records: list) -> plan.Plan:
    return plan.plan(_records, tokenizer_for(model), settings)


@st.cache_data(show_spinner=False, ttl=30)
def speed_for(root: str) -> monitor.Speed | None:
    return monitor.measured_speed(workspace().run_dirs())


def stats(built: dataset_build.Built, mode: str, has_general: bool, share_note) -> None:
    """Counts, shares and warnings of the built dataset; ``share_note`` gets the share it really has."""
    s: dstats.Stats = built.stats
    mixed = built.mix
    if mode == "builder" and not mixed.identity:
        share_note.caption(t("dataset.share_all_general"))
    elif mode == "builder":
        shares = {"want": f"{mixed.share_wanted:.0%}", "got": f"{mixed.share:.0%}"}
        share_note.caption(t("dataset.share_short", **shares) if mixed.short else t("dataset.share_actual", **shares))
    m = st.columns(5)
    m[0].metric(t("dataset.records"), f"{s.records:,}")
    m[1].metric(t("dataset.unique"), f"{s.unique:,}", help=t("dataset.unique_help"))
    m[2].metric(t("dataset.dup_ratio"), f"{s.duplicate_ratio:.0%}")
    m[3].metric(t("dataset.identity_share"), f"{s.identity_share:.0%}")
    m[4].metric(t("dataset.general_share"), f"{mixed.share:.0%}", help=t("dataset.general_share_help"))
    for w in dstats.warnings(s):
        st.warning(t(f"dataset.warn.{w}", ratio=f"{s.duplicate_ratio:.0%}", share=f"{s.identity_share:.0%}"),
                   icon=":material/warning:")
    if mode == "builder" and has_general and mixed.short:
        st.info(t("dataset.mix_short", have=f"{mixed.general_available:,}", want=f"{mixed.wanted_general():,}"))
    if built.problems:
        problems_table(built.problems)


def training_plan(built: dataset_build.Built, model: str | None, settings: plan.Settings,
                  config_path: Path | None) -> None:
    """Tokens per record, packed samples, iterations and time, for the newest config's settings."""
    records = built.records
    st.markdown(f"**{t('dataset.tokens')}**")
    src = config_path.name if config_path else t("dataset.preset_defaults")
    st.caption(t("dataset.settings_from", src=src, max_length=settings.max_length, batch=settings.batch_size,
                 epochs=settings.max_epochs, template=settings.template))
    planned = None
    if not model:
        st.info(t("dataset.no_model"))
    else:
        gpus = hardware.gpus_for_counting(st, "dataset.gpus")  # no GPU count on a machine without one
        try:
            with st.spinner(t("dataset.counting")):
                planned = plan_for(built.content, model, replace(settings, gpus=int(gpus)), records)
        except Exception as exc:  # a missing or broken tokenizer: say so, keep the rest of the page
            st.info(t("dataset.no_tokens", reason=(str(exc).splitlines() or [type(exc).__name__])[0][:200]))
    if not planned:
        return
    tm = st.columns(3)
    tm[0].metric(t("dataset.tok_min"), planned.min)
    tm[1].metric(t("dataset.tok_median"), f"{planned.median:.0f}")
    tm[2].metric(t("dataset.tok_max"), planned.max)
    speed = speed_for(str(workspace().root))
    about = "" if planned.exact else t("dataset.about")
    im = st.columns(4)
    im[0].metric(t("dataset.packed"), about + f"{planned.packed:,}", help=t("dataset.packed_help"))
    im[1].metric(t("dataset.iters_epoch"), about + f"{planned.per_epoch:,}")
    im[2].metric(t("dataset.iters_total"), about + f"{planned.total:,}", help=t("dataset.iters_help"))
    minutes = planned.total * speed.seconds_per_iter / 60 if speed else None
    im[3].metric(t("dataset.eta_metric"), t("dataset.minutes", n=f"{minutes:,.1f}") if speed else "–")
    if planned.sampled:
        st.caption(t("dataset.sampled", n=planned.measured))
    if planned.over_max:
        st.warning(counted("dataset.over_max", planned.over_max, max_length=settings.max_length))
    if speed:
        st.caption(t("dataset.eta", speed=f"{speed.seconds_per_iter:.3f}", run=speed.run))
        if (speed.max_length, speed.batch_size) != (settings.max_length, settings.batch_size):
            st.caption(t("dataset.eta_rough"))
    else:
        st.caption(t("dataset.no_speed"))
    learning_panel.advice(model, planned.total)


def preview(records: list[dict], template: str) -> None:
    """One record rendered in the config's prompt template, as the model is trained on it."""
    with st.expander(t("dataset.preview"), icon=":material/visibility:"):
        st.caption(t("dataset.preview_help", template=template))
        if st.session_state.get(K.PREVIEW_INDEX, 1) > len(records):
            st.session_state[K.PREVIEW_INDEX] = 1
        idx = st.number_input(t("dataset.preview_record"), 1, len(records), 1, key=K.PREVIEW_INDEX)
        turns = records[int(idx) - 1]["conversation"]
        try:
            text = templates.build_prompt(template, [(x["input"], x["output"]) for x in turns[:-1]],
                                          turns[-1]["input"], turns[0].get("system", ""))
            suffix = templates.template(template).get("SUFFIX", "")
            st.code(text + turns[-1]["output"] + suffix, language=None, wrap_lines=True)
        except (ValueError, RuntimeError) as exc:
            st.error(str(exc))
