"""The config page's last two sections: the XTuner commands that do the same by hand with the diff from the
preset ("learn XTuner"), and the raw editor that saves a config as typed (checked by loading it)."""

from __future__ import annotations

import difflib
from pathlib import Path

import streamlit as st

from core import config as cfg
from core import config_form
from core.workspace import Workspace
from ui.i18n import t


def learn(ws: Workspace, preset: str, target: Path, base_text: str) -> None:
    """The commands a person would type, and the saved config's (or the starting text's) diff from the preset."""
    with st.expander(t("config.learn")):
        st.caption(t("config.learn.help"))
        st.code(f"xtuner copy-cfg {preset} {ws.configs_dir}\n"
                f"mv {ws.configs_dir / (preset + '_copy.py')} {target}\n"
                f"# {t('config.learn.edit_then')}\nxtuner train {target}", language="bash", wrap_lines=True)
        current_text = target.read_text(encoding="utf-8") if target.is_file() else base_text
        diff = "".join(difflib.unified_diff(cfg.preset_source(preset).splitlines(True),
                                            current_text.splitlines(True), fromfile=f"{preset}.py",
                                            tofile=target.name))
        st.code(diff or t("config.learn.no_changes"), language="diff")


def editor(ws: Workspace, preset: str, target: Path, base_text: str, stamp: str) -> None:
    """The whole config as text; saving it validates it like the form's save (syntax errors with their line)."""
    with st.expander(t("config.advanced")):
        st.warning(t("config.advanced.warn"))
        raw_start = target.read_text(encoding="utf-8") if target.is_file() else base_text
        raw = st.text_area(t("config.advanced"), value=raw_start,
                           height=420, key=f"config.raw.{stamp}", label_visibility="collapsed")
        if st.button(t("config.advanced.save"), key="config.raw_save"):
            with st.spinner(t("config.validating")):
                ok, message, kept = config_form.save_config(target, raw)
            if ok:
                ws.update_settings(config=str(target))
                st.success(t("config.saved", path=target))
            elif message.startswith("syntax:"):
                _, line, msg = message.split(":", 2)
                st.error(t("config.advanced.syntax", line=line, msg=msg))
            else:
                st.error(t("config.load_failed"))
                st.code(message, language=None)
        st.caption(t("config.diff"))
        st.code("".join(difflib.unified_diff(cfg.preset_source(preset).splitlines(True), raw.splitlines(True),
                                             n=1)) or " ", language="diff")
