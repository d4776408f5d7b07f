"""The chat page's scorecard view: both sides answer the identity and general questions; the identity hit
rate and the general answers' drift, before and after, with every answer in a table and as CSV."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import chat, scorecard
from ui.chat_models import SIDES, show_error
from ui.i18n import t
from ui.keys import Chat as K


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _hit(value: bool | None) -> str:
    """Whether an answer named the owner: ✓, ✗, or – for a question where it does not apply."""
    return "–" if value is None else ("✓" if value else "✗")


def show(targets: dict[str, chat.Target | None], loaded: Callable[[str], chat.Loaded | None], fmt: dict) -> None:
    """The questions and names (editable), the run button, and the last scorecard of this conversation.
    ``loaded(side)`` gives a side's model (None, with the reason shown, when it cannot load); ``fmt`` is the
    prompt format and generation settings both sides answer with."""
    st.caption(t("chat.sc.intro"))
    names_text = st.text_input(t("chat.sc.names"), key=K.SC_NAMES, help=t("chat.sc.names_help"))
    c1, c2 = st.columns(2)
    identity_text = c1.text_area(t("chat.sc.identity"), key=K.SC_IDENTITY, height=220,
                                 help=t("chat.sc.identity_help"))
    general_text = c2.text_area(t("chat.sc.general"), key=K.SC_GENERAL, height=220)
    names = scorecard.parse_names(names_text)
    if not names:
        st.warning(t("chat.sc.no_names"), icon=":material/warning:")
    if st.button(t("chat.sc.run"), key=K.SC_RUN, type="primary", icon=":material/fact_check:"):
        models_ = {}
        for side in SIDES:
            models_[side] = loaded(side)
        if all(models_.values()):
            bar_ = st.progress(0.0)

            def asker(side: str):
                return lambda q: chat.answer(models_[side], q, use_adapter=targets[side].use_adapter, **fmt)

            def progress(done: int, total: int, question: str) -> None:
                bar_.progress(done / max(total, 1), text=t("chat.sc.progress", done=done, total=total, q=question))

            try:
                st.session_state[K.SCORECARD] = scorecard.run(
                    asker("before"), asker("after"), scorecard.parse_questions(identity_text),
                    scorecard.parse_questions(general_text), names, on_progress=progress)
            except chat.ChatError as exc:
                show_error(exc)
            bar_.empty()
    card: scorecard.Scorecard | None = st.session_state.get(K.SCORECARD)
    if card is None:
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(t("chat.sc.hit_before"), _pct(card.hit_rate_before))
    m2.metric(t("chat.sc.hit_after"), _pct(card.hit_rate_after))
    m3.metric(t("chat.sc.drift"), _pct(card.general_drift), help=t("chat.sc.drift_help"))
    st.caption(t("chat.sc.names_used", names=", ".join(card.names) or "–"))
    widths = {t("chat.sc.col.kind"): "small", t("chat.sc.col.question"): "medium", t("chat.sc.col.hit_before"): "small",
              t("chat.sc.col.hit_after"): "small", t("chat.sc.col.drift"): "small", t("chat.before"): "medium",
              t("chat.after"): "medium"}
    st.dataframe([dict(zip(widths, (t(f"chat.sc.kind.{r.kind}"), r.question, _hit(r.before_hit), _hit(r.after_hit),
                                    _pct(r.drift), r.before, r.after), strict=True)) for r in card.rows],
                 hide_index=True, width="stretch",  # fits the page: answers get the room, short columns little
                 column_config={name: st.column_config.TextColumn(width=w) for name, w in widths.items()})
    st.download_button(t("chat.sc.download"), ("\ufeff" + scorecard.to_csv(card)).encode("utf-8"),
                       file_name="scorecard.csv", mime="text/csv", key=K.SC_DOWNLOAD, icon=":material/download:")
