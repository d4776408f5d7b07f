"""Chat: the model before and after fine-tuning, side by side, streamed; and a scorecard."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import chat, scorecard, templates
from ui import chat_models, chat_scorecard
from ui.auth import gate
from ui.chat_models import SIDES, show_error
from ui.common import fixed_labels, workspace
from ui.i18n import t
from ui.keys import Chat as K

OWN_TEMPLATE = ""  # template value: the model's own chat template

gate()
ws = workspace()
options = {f"{o.run}/{o.kind}": o for o in chat.run_options(ws.run_dirs())}


@st.cache_resource(max_entries=2, show_spinner=False)
def _load(model: str, adapter: str | None, device: str, dtype: str) -> chat.Loaded:
    return chat.load(Path(model), Path(adapter) if adapter else None, device=device, dtype=dtype)


st.title(t("chat.title"))
st.caption(t("chat.intro"))
if not options:
    st.info(t("chat.no_runs"), icon=":material/info:")

# ---- which model each side uses ------------------------------------------------------------
targets, option = chat_models.pick(ws, options)

# ---- defaults from the run: its template, system prompt and the names to look for -----------
defaults_for = (option.run, option.kind) if option else None
run_changed = st.session_state.get(K.DEFAULTS_FOR, "unset") != defaults_for
st.session_state[K.DEFAULTS_FOR] = defaults_for
if run_changed or K.TEMPLATE not in st.session_state:
    st.session_state[K.TEMPLATE] = option.template if option and option.template else chat.DEFAULT_TEMPLATE
    st.session_state[K.SYSTEM] = option.system if option else ""
if run_changed or K.SC_NAMES not in st.session_state:
    records = scorecard.load_records(option.dataset if option else None)
    st.session_state[K.SC_NAMES] = ", ".join(scorecard.names_from_records(records))
    st.session_state[K.SC_IDENTITY] = "\n".join(
        scorecard.not_in_training(scorecard.IDENTITY_QUESTIONS, scorecard.training_inputs(records)))
st.session_state.setdefault(K.SC_GENERAL, "\n".join(scorecard.GENERAL_QUESTIONS))
for key in (K.SC_NAMES, K.SC_IDENTITY, K.SC_GENERAL):  # keep them while the chat view hides them
    st.session_state[key] = st.session_state[key]

with st.expander(t("chat.settings"), icon=":material/tune:"):
    c1, c2 = st.columns(2)
    template = c1.selectbox(t("chat.template"), [OWN_TEMPLATE] + templates.template_names(), key=K.TEMPLATE,
                            format_func=fixed_labels(lambda n: n or t("chat.own_template")),
                            help=t("chat.template_help"))
    system = c2.text_area(t("chat.system"), key=K.SYSTEM, height=68, help=t("chat.system_help"))
    c1, c2, c3, c4 = st.columns(4)
    max_new = c1.number_input(t("chat.max_new_tokens"), 1, 8192, 256, step=64, key=K.MAX_NEW_TOKENS)
    seed = c2.number_input(t("chat.seed"), 0, 2**31 - 1, 0, key=K.SEED)
    device = c3.selectbox(t("chat.device"), chat.available_devices(), key=K.DEVICE, help=t("chat.device_help"))
    dtype = c4.selectbox(t("chat.dtype"), list(chat.DTYPES), key=K.DTYPE)
    greedy = st.toggle(t("chat.greedy"), True, key=K.GREEDY, help=t("chat.greedy_help"))
    c1, c2, c3, c4 = st.columns(4)
    temperature = c1.slider(t("chat.temperature"), 0.05, 2.0, 0.7, 0.05, key=K.TEMPERATURE, disabled=greedy)
    top_p = c2.slider(t("chat.top_p"), 0.05, 1.0, 0.8, 0.05, key=K.TOP_P, disabled=greedy)
    top_k = c3.number_input(t("chat.top_k"), 0, 1000, 40, key=K.TOP_K, disabled=greedy)
    rep = c4.slider(t("chat.repetition_penalty"), 1.0, 2.0, 1.0, 0.05, key=K.REPETITION_PENALTY)
gen = chat.GenerationSettings(max_new_tokens=int(max_new), greedy=greedy, temperature=float(temperature),
                              top_p=float(top_p), top_k=int(top_k), repetition_penalty=float(rep), seed=int(seed))
fmt = dict(template_name=template or None, system=system, settings=gen)

# A different model on either side (or another format) starts a fresh conversation.
signature = tuple(targets[s].load_key + (targets[s].use_adapter,) if targets[s] else None for s in SIDES) + (
    template, system, device, dtype)
if st.session_state.get(K.SIDES_SIGNATURE) != signature:
    st.session_state[K.SIDES_SIGNATURE] = signature
    for s in SIDES:
        st.session_state[K.HISTORY[s]] = []
    st.session_state.pop(K.SCORECARD, None)


def loaded(side: str) -> chat.Loaded | None:
    """The side's model, from the per-server cache; None (with the reason shown) when it cannot load."""
    target = targets[side]
    if target is None:
        st.warning(t("chat.pick_model"), icon=":material/warning:")
        return None
    try:
        with st.spinner(t("chat.loading", name=target.model.name)):
            return _load(*target.load_key, device, dtype)
    except chat.ChatError as exc:
        show_error(exc)
        return None


# ---- toolbar ----------------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="center"):
    view = st.segmented_control(t("chat.view"), ["chat", "scorecard"], default="chat", key=K.VIEW,
                                format_func=fixed_labels(lambda v: t(f"chat.view.{v}")),
                                label_visibility="collapsed") or "chat"
    if st.button(t("chat.clear"), key=K.CLEAR, icon=":material/delete_sweep:"):
        for s in SIDES:
            st.session_state[K.HISTORY[s]] = []
    if st.button(t("chat.release"), key=K.RELEASE, icon=":material/memory:", help=t("chat.release_help")):
        _load.clear()
        chat.release_memory()
        st.toast(t("chat.released"), icon=":material/check_circle:")


def _speed(turn: dict) -> str:
    if turn.get("ttft") is None:
        return ""
    text = t("chat.ttft", s=f"{turn['ttft']:.2f}")
    if turn.get("tps") is not None:
        text += " · " + t("chat.tps", v=f"{turn['tps']:.1f}")
    return text + " · " + t("chat.tokens", n=turn.get("tokens", 0))


def ask(side: str, prompt: str) -> None:
    """Stream one answer into the side's column and keep it in that side's history."""
    history = st.session_state[K.HISTORY[side]]
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        model = loaded(side)
        if model is None:
            return
        stats = chat.StreamStats()
        past = [(h["q"], h["a"]) for h in history if h.get("a") is not None]
        try:
            text = st.write_stream(chat.stream(model, prompt, history=past, stats=stats,
                                               use_adapter=targets[side].use_adapter, **fmt))
        except chat.ChatError as exc:
            show_error(exc)
            return
        turn = {"q": prompt, "a": text if isinstance(text, str) else "", "ttft": stats.ttft,
                "tps": stats.tokens_per_s, "tokens": stats.tokens}
        if not turn["a"].strip():
            st.caption(t("chat.empty_answer"))
        st.caption(_speed(turn))
    history.append(turn)


def show_chat() -> None:
    clicked = None
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(t("chat.examples"), width="content")
        for i, q in enumerate(chat.EXAMPLE_QUESTIONS):
            if st.button(q, key=K.EXAMPLE.format(i=i), type="tertiary", icon=":material/chat_bubble_outline:"):
                clicked = q
    columns = dict(zip(SIDES, st.columns(2, border=True), strict=True))
    for side, col in columns.items():
        with col:
            target = targets[side]
            st.markdown(f"**{t('chat.' + side)}**")
            if target:
                on_off = "" if target.adapter is None else t("chat.adapter_on" if target.use_adapter
                                                              else "chat.adapter_off")
                st.caption(f"`{target.model.name}` {on_off}")
            for turn in st.session_state[K.HISTORY[side]]:
                with st.chat_message("user"):
                    st.markdown(turn["q"])
                with st.chat_message("assistant"):
                    st.markdown(turn["a"] or " ")
                    st.caption(_speed(turn))
    prompt = st.chat_input(t("chat.placeholder"), key=K.INPUT) or clicked
    if prompt:
        for side, col in columns.items():
            with col:
                ask(side, prompt)


if view == "scorecard":
    chat_scorecard.show(targets, loaded, fmt)
else:
    show_chat()
