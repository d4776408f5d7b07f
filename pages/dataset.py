"""Dataset: say who the assistant is, build a dataset that teaches it without overfitting, save it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import (
    dataset,
    dataset_io,
    dataset_versions,
    general_library,
    identity,
    monitor,
    plan,
    runs,
    templates,
    xtuner_cli,
)
from core import dataset_stats as dstats
from core.dataset import Problem
from ui import hardware, learning_panel
from ui import keys_dataset as K
from ui.auth import gate
from ui.common import workspace
from ui.dataset_import import import_panel
from ui.dataset_widgets import counted, flash, labeled, problems_table, why
from ui.i18n import t

gate()
ws = workspace()
FORM_DEFAULTS: dict[str, Any] = {
    "dataset.name": "", "dataset.owner": "", "dataset.desc_zh": "", "dataset.desc_en": "", "dataset.langs": "zh",
    "dataset.mode": "builder", "dataset.tutorial_n": dataset.TUTORIAL_N, "dataset.repeat": 100, "dataset.share": 50,
}



def load_state(saved: dict[str, Any], general_saved: list[dict[str, Any]]) -> None:
    """Make a builder state (from disk: the remembered one, or a restored version's) the page's inputs;
    the file on disk as it is now is what a later save may overwrite without asking."""
    st.session_state[K.FORM] = {k: saved.get(k, v) for k, v in FORM_DEFAULTS.items()}
    st.session_state[K.ROWS] = saved.get("rows")
    st.session_state[K.ROWS_SHADOW] = saved.get("rows")
    st.session_state[K.ROWS_FOR] = tuple(saved["rows_for"]) if saved.get("rows_for") else None
    st.session_state[K.ROWS_STALE] = False
    st.session_state[K.GENERAL] = general_saved
    st.session_state[K.GENERAL_VERSION] = st.session_state.get(K.GENERAL_VERSION, -1) + 1
    st.session_state[K.EDITOR_VERSION] = st.session_state.get(K.EDITOR_VERSION, -1) + 1
    st.session_state.pop(K.BUILD, None)
    st.session_state.pop(K.SAVE_ASK, None)
    st.session_state[K.DISK_SIG] = dataset_versions.file_signature(ws.dataset_path)


# ---- session start: what the disk remembers; widget values survive visits to other pages
if K.LOADED not in st.session_state:
    load_state(*dataset.load_builder(ws.dataset_path))
    st.session_state[K.LOADED] = True
for key, value in st.session_state[K.FORM].items():
    if st.session_state.get(key) != value:  # Streamlit drops (or reverts) widget state while other pages show
        st.session_state[key] = value


def remember(key: str) -> None:
    """on_change of the form widgets: their values live on in K.FORM."""
    st.session_state[K.FORM][key] = st.session_state[key]


def form(key: str) -> dict[str, Any]:
    """Widget arguments of a form field whose value survives visits to other pages."""
    return {"key": key, "on_change": remember, "args": (key,)}


def editor_key() -> str:
    return f"dataset.qa.{st.session_state[K.EDITOR_VERSION]}"


def set_rows(rows: list[dict[str, Any]], ident: identity.Identity | None) -> None:
    """New base rows for the table; a fresh editor shows them."""
    clean = [{"question": dataset.cell_text(r.get("question")), "answer": dataset.cell_text(r.get("answer"))}
             for r in rows]
    st.session_state[K.ROWS] = st.session_state[K.ROWS_SHADOW] = clean
    if ident is not None:
        st.session_state[K.ROWS_FOR] = astuple(ident)
    st.session_state[K.EDITOR_VERSION] += 1


def astuple(ident: identity.Identity) -> tuple[str, ...]:
    return (ident.owner, ident.name, ident.description_zh, ident.description_en, ident.langs)


def current_rows() -> list[dict[str, Any]]:
    """The table as the editor shows it: base rows plus the editor's own edits."""
    return dataset.apply_edits(st.session_state.get(K.ROWS) or [], st.session_state.get(editor_key()) or {})


def follow_form(ident: identity.Identity) -> None:
    """Keep the table in step with the form (see :func:`core.identity.follow`)."""
    if st.session_state.get(K.ROWS) is None:
        set_rows(identity.library_rows(ident), ident)
        return
    shadow = st.session_state.get(K.ROWS_SHADOW)
    if editor_key() not in st.session_state and shadow is not None and shadow != st.session_state[K.ROWS]:
        set_rows(shadow, None)  # the editor's state was dropped while another page was shown: keep the edits
    old = st.session_state.get(K.ROWS_FOR)
    if old is None or tuple(old) == astuple(ident):
        return
    rows = [{"question": dataset.cell_text(r.get("question")), "answer": dataset.cell_text(r.get("answer"))}
            for r in current_rows()]
    rows, stale = identity.follow(rows, identity.Identity(*old), ident)
    set_rows(rows, ident)
    st.session_state[K.ROWS_STALE] = stale


def add_rows(new: list[dict[str, str]]) -> None:
    """Imported question/answer pairs go below the table's rows; the page switches to the table."""
    kept = [r for r in (current_rows() if st.session_state.get(K.ROWS) is not None else [])
            if dataset.cell_text(r.get("question")) or dataset.cell_text(r.get("answer"))]
    set_rows(kept + new, None)
    st.session_state[K.FORM]["dataset.mode"] = "builder"  # the radio takes it at the start of the next run


@st.cache_resource(show_spinner=False)
def tokenizer_for(path: str):
    return dstats.load_tokenizer(path)


@st.cache_data(show_spinner=False, max_entries=8)
def plan_for(key: str, model: str, settings: plan.Settings, _records: list) -> plan.Plan:
    return plan.plan(_records, tokenizer_for(model), settings)


@st.cache_data(show_spinner=False, ttl=30)
def speed_for(root: str) -> monitor.Speed | None:
    return monitor.measured_speed(ws.run_dirs())


@st.cache_data(show_spinner=False, max_entries=4)
def saved_info(path: str, mtime_ns: int, size: int) -> tuple[int, list[Problem]]:
    try:
        records = dataset.load(Path(path))
    except dataset.LoadError as exc:
        return 0, [exc.problem]
    return (len(records) if isinstance(records, list) else 0), dataset.validate(records)


st.title(t("dataset.title"))
st.markdown(t("dataset.intro"))
if st.session_state.get(K.FLASH):
    kind, message = st.session_state.pop(K.FLASH)
    getattr(st, kind)(message)

# ---------------------------------------------------------------- 1. who the assistant is
st.subheader(t("dataset.who"))
c1, c2 = st.columns(2)
c1.text_input(t("dataset.owner"), **form("dataset.owner"), placeholder=t("dataset.owner_ph"),
              help=t("dataset.owner_help"))
c2.text_input(t("dataset.name"), **form("dataset.name"), placeholder=t("dataset.name_ph"), help=t("dataset.name_help"))
c1.text_input(t("dataset.desc_zh"), **form("dataset.desc_zh"), placeholder="内在是上海AI实验室书生·浦语的1.8B大模型")
c2.text_input(t("dataset.desc_en"), **form("dataset.desc_en"), placeholder="built on Shanghai AI Lab's InternLM2 1.8B")
st.radio(t("dataset.langs"), ["zh", "en", "both"], **form("dataset.langs"), horizontal=True,
         format_func=labeled("dataset.lang"))
ident = identity.Identity(*(st.session_state[f"dataset.{k}"] for k in ("owner", "name", "desc_zh", "desc_en",
                                                                        "langs"))).clean()

# ---------------------------------------------------------------- 2. identity questions
st.subheader(t("dataset.questions"))
mode = st.radio(t("dataset.mode"), ["builder", "tutorial"], **form("dataset.mode"), horizontal=True,
                format_func=labeled("dataset.mode"))
rows: list[dict[str, str]] = []
row_problems: list[Problem] = []
if not ident.owner:
    st.info(t("dataset.need_owner"), icon=":material/person:")
elif mode == "tutorial":
    left, right = st.columns([1, 2])
    left.number_input(t("dataset.tutorial_n"), min_value=1, max_value=100_000, step=1000, **form("dataset.tutorial_n"))
    right.warning(t("dataset.tutorial_warning"), icon=":material/warning:")
    st.caption(t("dataset.tutorial_pairs"))
    st.table(pd.DataFrame(dataset.tutorial_pairs(ident.owner),
                          columns=[t("dataset.col.question"), t("dataset.col.answer")]))
else:
    follow_form(ident)
    st.caption(t("dataset.editor_help", n=identity.library_size(ident.langs)))
    if st.session_state.get(K.ROWS_STALE):
        st.info(t("dataset.rows_stale"), icon=":material/info:")
    base = pd.DataFrame(st.session_state[K.ROWS], columns=["question", "answer"], dtype="string")
    base.index = range(1, len(base) + 1)
    edited = st.data_editor(
        base, key=editor_key(), num_rows="dynamic", width="stretch", height=360, hide_index=False,
        column_config={"_index": st.column_config.NumberColumn("#", width=40),
                       "question": st.column_config.TextColumn(t("dataset.col.question"), width="medium"),
                       "answer": st.column_config.TextColumn(t("dataset.col.answer"), width="large")})
    rows = [{"question": dataset.cell_text(q), "answer": dataset.cell_text(a)}
            for q, a in zip(edited["question"], edited["answer"], strict=True)]
    st.session_state[K.ROWS_SHADOW] = rows
    b1, b2, b3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    if b1.button(t("dataset.reset_rows"), key="dataset.reset_rows", icon=":material/restart_alt:"):
        set_rows(identity.library_rows(ident), ident)
        st.session_state[K.ROWS_STALE] = False
        st.rerun()
    if b2.button(t("dataset.clear_rows"), key="dataset.clear_rows", icon=":material/delete_sweep:"):
        set_rows([], ident)
        st.rerun()
    b3.number_input(t("dataset.repeat"), min_value=1, max_value=10_000, **form("dataset.repeat"),
                    help=t("dataset.repeat_help"))
    row_problems = dataset.check_rows(rows)
    if row_problems:
        st.error(counted("dataset.row_problems", len(row_problems)), icon=":material/error:")
        problems_table(row_problems)

# ---------------------------------------------------------------- 3. general conversations, import
st.subheader(t("dataset.general"))
st.markdown(t("dataset.general_help"))
general: list[dict[str, Any]] = st.session_state[K.GENERAL]
g1, g2 = st.columns([2, 1], vertical_alignment="center")
g1.slider(t("dataset.share"), 0, 95, step=5, **form("dataset.share"), format="%d%%", help=t("dataset.share_help"),
          disabled=mode == "tutorial")
g2.metric(t("dataset.general_count"), f"{len(general):,}")
share_note = st.empty()  # the share the dataset really has, filled in once it is built
if general and g2.button(t("dataset.clear_general"), key="dataset.clear_general", icon=":material/delete:"):
    st.session_state[K.GENERAL] = []
    st.session_state[K.GENERAL_VERSION] += 1
    st.rerun()
builtin = general_library.general_records(ident.langs)
if g1.button(t("dataset.add_builtin", n=len(builtin)), key="dataset.add_builtin", icon=":material/library_add:",
             help=t("dataset.add_builtin_help"), disabled=mode == "tutorial"):
    have = {dstats.signature_key(r) for r in general}
    new = [r for r in builtin if dstats.signature_key(r) not in have]
    if new:
        st.session_state[K.GENERAL] = general + new
        st.session_state[K.GENERAL_VERSION] += 1
        flash("success", counted("dataset.builtin_added", len(new)))
    else:
        flash("info", t("dataset.builtin_present"))
    st.rerun()
if mode == "tutorial":
    st.caption(t("dataset.tutorial_no_mix"))
with st.container(border=True):
    import_panel(ident, add_rows)

# ---------------------------------------------------------------- 4. build and check
share = st.session_state["dataset.share"] / 100
n_tut, repeat = int(st.session_state["dataset.tutorial_n"]), int(st.session_state["dataset.repeat"])
build_key = (mode, ident.owner, ident.name, n_tut, repeat, share, st.session_state[K.GENERAL_VERSION],
             tuple((r["question"], r["answer"]) for r in rows))
built = st.session_state.get(K.BUILD)
if ident.owner and (built is None or built["key"] != build_key):
    if mode == "tutorial":
        mixed = dataset.mix(dataset.tutorial_records(ident.owner, n_tut), [], 0.0)
    else:
        mixed = dataset.mix(dataset.records_from_rows(rows, repeat), general, share)
    problems = dataset.validate(mixed.records) if mixed.records else []
    valid = dataset.without_problems(mixed.records, problems)
    questions = {r["question"] for r in rows} | {q for q, _ in dataset.tutorial_pairs(ident.owner)}
    built = {"key": build_key, "mix": mixed, "problems": problems, "records": valid,
             "content": dstats.content_key(valid),
             "stats": dstats.stats(valid, dstats.identity_matcher(questions, (ident.name, ident.owner)))}
    st.session_state[K.BUILD] = built
records: list[dict[str, Any]] = built["records"] if built and ident.owner else []
config_path, settings, summary = plan.newest_settings(runs.configs(ws), ws.settings().get("base_model"))

st.subheader(t("dataset.check"))
if not records:
    st.info(t("dataset.nothing_yet"))
else:
    s: dstats.Stats = built["stats"]
    mixed = built["mix"]
    if mode == "builder":
        share_note.caption(t("dataset.share_actual", want=f"{mixed.share_wanted:.0%}", got=f"{mixed.share:.0%}"))
    m = st.columns(5)
    m[0].metric(t("dataset.records"), f"{s.records:,}")
    m[1].metric(t("dataset.unique"), f"{s.unique:,}", help=t("dataset.unique_help"))
    m[2].metric(t("dataset.dup_ratio"), f"{s.duplicate_ratio:.0%}")
    m[3].metric(t("dataset.identity_share"), f"{s.identity_share:.0%}")
    m[4].metric(t("dataset.general_share"), f"{mixed.share:.0%}", help=t("dataset.general_share_help"))
    for w in dstats.warnings(s):
        st.warning(t(f"dataset.warn.{w}", ratio=f"{s.duplicate_ratio:.0%}", share=f"{s.identity_share:.0%}"),
                   icon=":material/warning:")
    if mode == "builder" and general and mixed.short:
        st.info(t("dataset.mix_short", have=f"{mixed.general_available:,}", want=f"{mixed.wanted_general():,}"))
    if built["problems"]:
        problems_table(built["problems"])

    st.markdown(f"**{t('dataset.tokens')}**")
    src = config_path.name if config_path else t("dataset.preset_defaults")
    st.caption(t("dataset.settings_from", src=src, max_length=settings.max_length, batch=settings.batch_size,
                 epochs=settings.max_epochs, template=settings.template))
    model, planned = ws.settings().get("base_model"), None
    if not model:
        st.info(t("dataset.no_model"))
    else:
        gpus = hardware.gpus_for_counting(st, "dataset.gpus")  # no GPU count on a machine without one
        try:
            with st.spinner(t("dataset.counting")):
                planned = plan_for(built["content"], model, replace(settings, gpus=int(gpus)), records)
        except Exception as exc:  # a missing or broken tokenizer: say so, keep the rest of the page
            st.info(t("dataset.no_tokens", reason=(str(exc).splitlines() or [type(exc).__name__])[0][:200]))
    if planned:
        tm = st.columns(3)
        tm[0].metric(t("dataset.tok_min"), planned.min)
        tm[1].metric(t("dataset.tok_median"), f"{planned.median:.0f}")
        tm[2].metric(t("dataset.tok_max"), planned.max)
        speed = speed_for(str(ws.root))
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

    with st.expander(t("dataset.preview"), icon=":material/visibility:"):
        st.caption(t("dataset.preview_help", template=settings.template))
        if st.session_state.get("dataset.preview_index", 1) > len(records):
            st.session_state["dataset.preview_index"] = 1
        idx = st.number_input(t("dataset.preview_record"), 1, len(records), 1, key="dataset.preview_index")
        turns = records[int(idx) - 1]["conversation"]
        try:
            text = templates.build_prompt(settings.template, [(x["input"], x["output"]) for x in turns[:-1]],
                                          turns[-1]["input"], turns[0].get("system", ""))
            suffix = templates.template(settings.template).get("SUFFIX", "")
            st.code(text + turns[-1]["output"] + suffix, language=None, wrap_lines=True)
        except (ValueError, RuntimeError) as exc:
            st.error(str(exc))

# ---------------------------------------------------------------- 5. save and export
st.subheader(t("dataset.save_title"))
st.caption(t("dataset.save_help", path=ws.dataset_path))
reads = summary.get("dataset")
if config_path and reads and Path(str(reads)).expanduser().resolve() != ws.dataset_path.resolve():
    st.warning(t("dataset.config_elsewhere", path=reads, config=config_path.name))
sv, e1, e2, e3 = st.columns(4)


def save_now() -> None:
    """Write the built records (the previous file is kept as a version) and remember the form with them."""
    try:
        kept = dataset.save(ws.dataset_path, records)
        state = {**{k: st.session_state[k] for k in FORM_DEFAULTS}, "rows": st.session_state.get(K.ROWS_SHADOW),
                 "rows_for": list(astuple(ident))}
        dataset.save_builder(ws.dataset_path, state, st.session_state[K.GENERAL])
        dataset_versions.keep_snapshot(ws.dataset_path, state, st.session_state[K.GENERAL])
        st.session_state[K.DISK_SIG] = dataset_versions.file_signature(ws.dataset_path)
        st.success(counted("dataset.saved", f"{len(records):,}", path=ws.dataset_path)
                   + (" " + t("dataset.kept", name=kept.name) if kept else ""), icon=":material/check:")
    except (ValueError, OSError) as exc:
        st.error(t("dataset.save_failed", reason=str(exc)))


def show_disk() -> None:
    """Replace the page's inputs with those of the file as it is on disk now."""
    try:
        data = ws.dataset_path.read_bytes()
        state, general_now, _ = dataset_versions.builder_for(ws.dataset_path, data, st.session_state[K.FORM])
    except (OSError, ValueError) as exc:
        st.error(t("dataset.restore_failed", reason=why(exc)))
        return
    load_state(state, general_now)
    flash("info", t("dataset.shown_disk"))
    st.rerun()


if sv.button(t("dataset.save"), key="dataset.save", type="primary", icon=":material/save:", disabled=not records):
    if row_problems or built["problems"]:
        st.error(counted("dataset.fix_first", len(row_problems) + len(built["problems"])))
    elif dataset_versions.file_signature(ws.dataset_path) != st.session_state.get(K.DISK_SIG):
        st.session_state[K.SAVE_ASK] = True  # changed on disk since this page read it: ask below
    else:
        save_now()
if st.session_state.get(K.SAVE_ASK) and records:
    with st.container(border=True):
        st.warning(t("dataset.changed_on_disk", path=ws.dataset_path), icon=":material/warning:")
        a1, a2, a3 = st.columns(3)
        if a1.button(t("dataset.save_anyway"), key="dataset.save_anyway", icon=":material/save_as:"):
            st.session_state.pop(K.SAVE_ASK)
            save_now()
        if a2.button(t("dataset.show_disk"), key="dataset.show_disk", icon=":material/sync:"):
            show_disk()
        if a3.button(t("dataset.save_cancel"), key="dataset.save_cancel"):
            st.session_state.pop(K.SAVE_ASK)
            st.rerun()
for col, (fmt, (writer, mime)) in zip((e1, e2, e3), dataset_io.EXPORTS.items(), strict=True):
    col.download_button(t(f"dataset.export.{fmt}"), data=lambda w=writer, r=records: w(r),
                        file_name=f"assistant.{fmt}", mime=mime, key=f"dataset.export_{fmt}",
                        disabled=not records, icon=":material/download:", on_click="ignore")

# ---------------------------------------------------------------- 6. the saved file, versions, XTuner's own check
st.subheader(t("dataset.saved_title"))
if ws.dataset_path.is_file():
    info = ws.dataset_path.stat()
    count, saved_problems = saved_info(str(ws.dataset_path), info.st_mtime_ns, info.st_size)
    if saved_problems:
        st.error(t("dataset.saved_invalid", path=ws.dataset_path))
        problems_table(saved_problems)
    else:
        st.success(counted("dataset.saved_ok", f"{count:,}", path=ws.dataset_path), icon=":material/check_circle:")
else:
    st.info(t("dataset.not_saved_yet", path=ws.dataset_path))

versions = dataset.versions(ws.dataset_path)
if versions:
    v1, v2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = v1.selectbox(t("dataset.versions"), versions, key="dataset.version",
                          format_func=lambda p: f"{p.name}  ({p.stat().st_size / 1024:,.0f} KB)")
    if v2.button(t("dataset.restore"), key="dataset.restore", icon=":material/history:"):
        try:
            done = dataset_versions.restore(ws.dataset_path, chosen, st.session_state[K.FORM])
        except (ValueError, OSError) as exc:
            st.error(t("dataset.restore_failed", reason=why(exc)))
        else:
            load_state(done.state, done.general)
            flash("success", t("dataset.restored", name=chosen.name) + " "
                  + t("dataset.restored_form" if done.exact else "dataset.restored_read"))
            st.rerun()

st.markdown(f"**{t('dataset.xtuner_check')}**")
if not config_path:
    st.info(t("dataset.no_config"))
elif st.button(t("dataset.run_check"), key="dataset.check", icon=":material/fact_check:",
               disabled=not ws.dataset_path.is_file()):
    with st.spinner(t("dataset.checking")):
        try:
            res = xtuner_cli.run(xtuner_cli.check_custom_dataset(config_path), cwd=ws.root, timeout=900)
            st.session_state[K.CHECK_OUTPUT] = (res.returncode, res.output)
        except Exception as exc:  # a timeout, or the tool could not start
            st.session_state[K.CHECK_OUTPUT] = (-1, str(exc))
if st.session_state.get(K.CHECK_OUTPUT):
    code, output = st.session_state[K.CHECK_OUTPUT]
    if code == 0:
        st.success(t("dataset.check_ok"), icon=":material/check:")
    else:
        st.error(t("dataset.check_failed", code=code))
    st.code("\n".join(output.splitlines()[-200:]) or "—", language=None)
