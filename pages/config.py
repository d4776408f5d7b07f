"""Config editor: pick an XTuner preset, change PART 1 in a form, validate, save a real config."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import attention, config_form, estimate, plan, sysinfo, templates
from core import config as cfg
from core.demo_model import is_demo_model
from core.models import check_model_dir
from ui import config_fit, config_raw, config_recipe
from ui.auth import gate
from ui.common import workspace
from ui.i18n import t
from ui.keys import Config as K

gate()
ws = workspace()
settings = ws.settings()
st.title(t("config.title"))
st.caption(t("config.intro"))

model_path = settings.get("base_model")
if not model_path or check_model_dir(model_path) is not None:
    st.warning(t("config.no_model"))
    st.stop()


@st.cache_data(ttl=300, show_spinner=False)
def _gpus() -> list[sysinfo.GPU]:
    return sysinfo.gpu_info()[0]


@st.cache_data(show_spinner=False)
def _plan(dataset: str, mtime: float, model: str, settings: plan.Settings) -> plan.Plan | None:
    del mtime  # cache key only
    return plan.plan_for_dataset(Path(dataset), model, settings)


with st.spinner(t("sys.checking_gpu")):
    gpus = _gpus()
demo = is_demo_model(Path(model_path))

# ---- preset
suggested = config_form.suggest_preset(model_path)
pattern = st.text_input(t("config.search"), value=suggested.split("_qlora")[0].split("_lora")[0],
                        key="config.search")
matches = cfg.find_presets(pattern)
if not matches:
    st.error(t("config.no_match", p=pattern))
    st.stop()
st.caption(t("config.preset_count", n=len(matches)) + f" · `xtuner list-cfg -p {pattern}`")
preset = st.selectbox(t("config.preset"), matches, index=matches.index(suggested) if suggested in matches else 0,
                      key="config.preset")
target = ws.configs_dir / f"{preset}_copy.py"
st.markdown(t("config.file", path=target))

# Starting values: the saved file if there is one, else the preset with the tutorial's edits.
if target.is_file():
    base_text = target.read_text(encoding="utf-8")
else:
    try:
        base_text = cfg.tutorial_config(model_path, str(ws.dataset_path), preset=preset, cpu=not gpus, demo=demo)
    except cfg.RenderError as exc:  # e.g. a preset that reads its data some other way
        st.error(t("config.preset_unusable", preset=preset) + " " + t(f"config.render.{exc.code}", **exc.values))
        st.stop()
values = cfg.read_settings(base_text)
missing_fields = [f for f in config_form.FIELD_NAMES if f not in values]
if missing_fields:
    st.warning(t("config.fields_missing", names=", ".join(t(f"field.{f}") for f in missing_fields)))
data_var = cfg.dataset_path_variable(base_text)
current_method = cfg.method_of(base_text)
lora_now = config_form.lora_settings(base_text)
stamp = f"{preset}:{target.stat().st_mtime if target.is_file() else 0}"
if st.session_state.get(K.LOADED) != stamp:  # new preset or file: reset the form's widgets
    for key in [k for k in st.session_state if str(k).startswith(K.FIELD)]:
        del st.session_state[key]
    st.session_state[K.LOADED] = stamp


def _system_default() -> str:
    v = values.get("SYSTEM", "")
    if isinstance(v, cfg.Code):
        return templates.system_text(v.source) or ""
    return str(v or "")


def _template_default() -> str:
    v = values.get("prompt_template")
    name = templates.template_name_from_code(v.source) if isinstance(v, cfg.Code) else None
    return name or config_form.suggest_template(model_path)


def _num(name: str, kind: str, default, step=None, fmt=None):
    v = values.get(name, default)
    v = v if isinstance(v, (int, float)) and not isinstance(v, bool) else default
    key = K.FIELD + name
    if kind == "int":
        st.session_state.setdefault(key, int(v))
        # No min_value/max_value here or below: the browser would silently keep an out-of-range
        # value out of the form; config_form.validate says in words which field is wrong.
        return st.number_input(t(f"field.{name}"), step=1, help=t(f"help.{name}"), key=key)
    st.session_state.setdefault(key, float(v))
    return st.number_input(t(f"field.{name}"), help=t(f"help.{name}"), key=key, format=fmt or "%.6g", step=step)


# ---- attention: the fastest the model's own code has (a saved config keeps its choice)
attn_options = attention.available(model_path, gpu=bool(gpus))
saved_attn = attention.of_config(base_text) if target.is_file() else None
st.session_state.setdefault(K.ATTENTION, saved_attn if saved_attn in attn_options else attn_options[0])
attn_now = st.session_state[K.ATTENTION]

# ---- recipe: the fastest that fits this GPU, or the tutorial's
if gpus:
    shape_now = estimate.read_shape(Path(model_path))
    if shape_now is not None:
        config_recipe.picker(shape_now, gpus[0], attn_now, values.get("max_length", 2048),
                             expanded=not target.is_file())

with st.form("config.form"):
    st.subheader(t("config.group.model"))
    c1, c2 = st.columns(2)
    model_in = c1.text_input(t("field.pretrained_model_name_or_path"), value=str(values.get(
        "pretrained_model_name_or_path", model_path)), help=t("help.pretrained_model_name_or_path"),
        key="config.f.model")
    data_in = c2.text_input(t("config.dataset"), value=str(values.get(data_var, ws.dataset_path)) if data_var else "",
                            help=t("config.dataset.help"), key="config.f.dataset")
    names = templates.template_names()
    tmpl = c1.selectbox(t("field.prompt_template"), names, index=names.index(_template_default()),
                        help=t("help.prompt_template"), key="config.f.template")
    max_length = _num("max_length", "int", 2048)
    pack = c2.checkbox(t("field.pack_to_max_length"), value=bool(values.get("pack_to_max_length", True)),
                       help=t("help.pack_to_max_length"), key="config.f.pack")

    st.subheader(t("config.group.train"))
    c1, c2, c3 = st.columns(3)
    with c1:
        batch = _num("batch_size", "int", 1)
        accum = _num("accumulative_counts", "int", 16)
        epochs = _num("max_epochs", "int", 3)
    with c2:
        lr = _num("lr", "float", 2e-4)
        wd = _num("weight_decay", "float", 0.0)
        norm = _num("max_norm", "float", 1.0)
    with c3:
        warm = _num("warmup_ratio", "float", 0.03, step=0.01)

    st.subheader(t("config.group.method"))
    c1, c2, c3 = st.columns(3)
    methods = list(cfg.METHODS)
    st.session_state.setdefault(K.METHOD, current_method)
    method = c1.radio(t("config.method"), methods, format_func=lambda m: t(f"config.method.{m}"),
                      key=K.METHOD)
    hw_options = ["gpu", "cpu"] if gpus else ["cpu"]
    hardware = c2.radio(t("config.hardware"), hw_options, format_func=lambda h: t(f"config.hw.{h}"),
                        key=K.HARDWARE)
    st.session_state.setdefault(K.PRECISION, "bf16" if (gpus and gpus[0].bf16) else "fp16")
    precision = c2.selectbox(t("config.precision"), ["bf16", "fp16"], key=K.PRECISION,
                             disabled=hardware == "cpu")
    st.session_state.setdefault(K.CKPT, config_form.activation_checkpointing(base_text))
    ckpt = c2.checkbox(t("config.ckpt"), key=K.CKPT, help=t("config.ckpt.help"))
    # On unless a saved LoRA config was saved without it. Not greyed out by method or hardware: in a
    # form those are the values from before this edit; render() applies it to LoRA in bf16 only.
    st.session_state.setdefault(K.HALF, cfg.uses_app_hooks(base_text) or not target.is_file()
                                or current_method != "lora")
    half = c2.checkbox(t("config.half"), key=K.HALF, help=t("config.half.lead") + " " + t("config.half.help"))
    attn = c2.selectbox(t("config.attention"), attn_options, key=K.ATTENTION,
                        format_func=lambda a: t(f"config.attention.{a}"), help=t("config.attention.help"))
    workers = c3.number_input(t("config.workers"), step=1, key="config.f.workers", help=t("config.workers.help"),
                              value=cfg.workers_of(base_text) or cfg.default_workers(model_path) or cfg.XTUNER_WORKERS)
    r = c3.number_input(t("config.lora_r"), value=int(lora_now.get("r", 64)), step=1, key="config.f.lora_r",
                        disabled=method == "full")
    alpha = c3.number_input(t("config.lora_alpha"), value=int(lora_now.get("lora_alpha", 16)), step=1,
                            key="config.f.lora_alpha", disabled=method == "full")
    dropout = c3.number_input(t("config.lora_dropout"), value=float(lora_now.get("lora_dropout", 0.1)),
                              step=0.05, key="config.f.lora_dropout", disabled=method == "full")

    st.subheader(t("config.group.eval"))
    c1, c2 = st.columns(2)
    with c1:
        save_steps = _num("save_steps", "int", 500)
        save_limit = st.number_input(t("field.save_total_limit"), value=int(values.get("save_total_limit", 2)),
                                     step=1, help=t("help.save_total_limit"),
                                     key="config.f.save_total_limit")
        eval_freq = _num("evaluation_freq", "int", 500)
        sample_tokens = st.number_input(t("config.sample_tokens"), value=64 if demo else 48, step=8,
                                        help=t("config.sample_tokens.help"), key="config.f.sample_tokens")
    with c2:
        system = st.text_area(t("field.SYSTEM"), value=_system_default(), help=t("help.SYSTEM"), height=90,
                              key="config.f.system")
        questions = st.text_area(t("config.questions"), value="\n".join(values.get("evaluation_inputs") or []),
                                 help=t("help.evaluation_inputs"), height=110, key="config.f.questions")
    submitted = st.form_submit_button(t("config.save"), type="primary", key="config.save")
support = attention.support(model_path)
if support.remote_code and attention.SDPA not in support.known:
    st.info(t("config.attention.eager_only", file=support.code_file or "modeling_*.py"))

form = config_form.FormValues(
    preset=preset, model=model_in, dataset=data_in, template=tmpl, max_length=max_length, pack=bool(pack),
    batch_size=batch, accumulative_counts=accum, max_epochs=epochs, lr=lr, weight_decay=wd, max_norm=norm,
    warmup_ratio=warm, save_steps=save_steps, save_total_limit=save_limit, evaluation_freq=eval_freq,
    system=system, questions=tuple(questions.splitlines()), method=method, cpu=hardware == "cpu",
    precision=precision, checkpointing=ckpt, half_frozen=bool(half), attention=attn, workers=int(workers),
    lora_r=r, lora_alpha=alpha, lora_dropout=dropout, sample_tokens=int(sample_tokens))


def _counted() -> plan.Plan | None:
    """The training plan of the form's dataset and settings on one GPU, when it can be counted."""
    dpath = Path(data_in.strip()) if data_in.strip() else None
    if not (dpath and dpath.is_file()) or not form.sizes_sane():
        return None
    planned = _plan(str(dpath), dpath.stat().st_mtime, model_in.strip() or model_path, form.plan_settings())
    return planned if planned and planned.packed else None


if submitted:
    counts = _counted()
    problems = form.validate(iterations_per_epoch=counts.per_epoch if counts else None)
    if problems:
        st.error(t("config.invalid") + "\n\n" + "\n".join(
            f"- **{t('field.' + f)}**: {t(key, **vals)}" for f, key, vals in problems))
    else:
        try:
            text = form.render()
        except cfg.RenderError as exc:  # e.g. QLoRA on a preset without 4-bit settings
            st.error(t(f"config.render.{exc.code}", **exc.values))
            st.stop()
        with st.spinner(t("config.validating")):
            ok, message, kept = config_form.save_config(target, text)
        if ok:
            ws.update_settings(config=str(target))
            st.success(t("config.saved", path=target) + (f" · {t('config.kept', path=kept)}" if kept else ""))
        else:
            st.error(t("config.load_failed"))
            st.code(message, language=None)

# ---- will it fit?
st.subheader(t("config.fit"))
shape = estimate.read_shape(Path(model_in.strip() or model_path))
config_fit.memory(form, shape, gpus)
config_fit.iterations(form, _counted(), shape, ws)
config_raw.learn(ws, preset, target, base_text)
config_raw.editor(ws, preset, target, base_text, stamp)
