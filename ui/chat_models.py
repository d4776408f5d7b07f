"""The chat page's model for each side (a run's merged model or adapter, the base model, another folder),
and a model's load or generation error in words."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import chat, convert, models
from core.workspace import Workspace
from ui.common import fixed_labels
from ui.i18n import t
from ui.keys import Chat as K

SIDES = ("before", "after")
FOLDER = "folder"  # selectbox value: "another model folder"
BASE = "base"  # before-side selectbox value: the base model
_REASONS = {f"chat.err.{r}" for r in ("missing", "unreadable", "adapter", "no_gpu", "oom", "no_chat_template",
                                      "generate")}


def show_error(exc: chat.ChatError) -> None:
    """A model that cannot load or answer, in words, with the technical line under it."""
    st.error(t(f"chat.err.{exc.reason}") if f"chat.err.{exc.reason}" in _REASONS else t("chat.err.error"),
             icon=":material/error:")
    st.caption(str(exc))


def _folder_target(path: str, adapter: str = "") -> chat.Target | None:
    problem = models.check_model_dir(path)
    if problem:
        st.error(t(problem[0], **problem[1]))
        return None
    if adapter.strip() and not convert.is_adapter_dir(Path(adapter.strip()).expanduser()):
        st.error(t("chat.err.not_adapter", path=adapter.strip()))
        return None
    return chat.Target(Path(path.strip()).expanduser(), Path(adapter.strip()).expanduser() if adapter.strip() else None)


def pick(ws: Workspace, options: dict[str, chat.RunOption]) -> tuple[dict[str, chat.Target | None],
                                                                   chat.RunOption | None]:
    """Both sides' model choosers (after: a run's output or a folder; before: that run's base model or a
    folder): what each side chats with (None where nothing usable is chosen) and the run picked, if any."""

    def option_label(key: str) -> str:
        if key == FOLDER:
            return t("chat.opt.folder")
        return t(f"chat.opt.{options[key].kind}", run=options[key].run)

    targets: dict[str, chat.Target | None] = {}
    with st.container(border=True):
        col_before, col_after = st.columns(2)
        with col_after:
            st.markdown(f"**:material/auto_awesome: {t('chat.after')}**")
            picked = st.selectbox(t("chat.after_model"), [*options, FOLDER], format_func=fixed_labels(option_label),
                                  key=K.AFTER, help=t("chat.after_help"))
            option = options.get(picked)
            if option is None:
                path = st.text_input(t("chat.folder_path"), key=K.AFTER_PATH, placeholder="/root/finetune/merged")
                adapter = st.text_input(t("chat.adapter_path"), key=K.AFTER_ADAPTER_PATH, help=t("chat.adapter_help"))
                targets["after"] = _folder_target(path, adapter) if path.strip() else None
            else:
                targets["after"] = option.target
                st.caption(t("chat.run_template", template=option.template or chat.DEFAULT_TEMPLATE))
        with col_before:
            st.markdown(f"**:material/history: {t('chat.before')}**")
            base = (str(option.base_model) if option and option.base_model else ws.settings().get("base_model")) or ""
            choices = ([BASE] if base else []) + [FOLDER]
            picked_before = st.selectbox(
                t("chat.before_model"), choices, key=K.BEFORE, help=t("chat.before_help"),
                format_func=fixed_labels(lambda v: t("chat.opt.base", path=Path(base).name) if v == BASE
                                         else t("chat.opt.folder")))
            if picked_before == FOLDER:
                path = st.text_input(t("chat.folder_path"), key=K.BEFORE_PATH)
                targets["before"] = _folder_target(path) if path.strip() else None
            else:
                targets["before"] = _folder_target(base)
                st.caption(f"`{base}`")
        if targets["before"] and targets["after"]:
            targets["before"] = chat.share_base(targets["before"], targets["after"])
            if targets["before"].load_key == targets["after"].load_key:
                st.caption(f":material/memory: {t('chat.shared')}")
    return targets, option
