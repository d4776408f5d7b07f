"""A live panel for a background job: refreshes itself while the job runs, idles otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from core import jobs, monitor

REFRESH_SECONDS = 2.0


def watch_for(job_dir: Path, key: str) -> monitor.Watch:
    """This tab's reading position in the job's log (kept in session state)."""
    state_key = f"{key}.watch"
    current = st.session_state.get(state_key)
    if current is None or current.job_dir != Path(job_dir):
        current = monitor.Watch(Path(job_dir))
        st.session_state[state_key] = current
    return current


def live(job_dir: Path, key: str, render: Callable[[monitor.Snapshot], None], every: float = REFRESH_SECONDS) -> None:
    """Render ``job_dir`` with ``render``; a fragment re-runs it every ``every`` seconds while the job is active.

    Each re-run costs the server about 50 ms of CPU in Streamlit itself (measured with an empty
    fragment, benchmarks/RESULTS.md), whatever ``render`` draws: the period sets the floor."""
    watch = watch_for(job_dir, key)
    was_active = jobs.status(job_dir).active

    def _panel() -> None:
        snap = monitor.snapshot(watch)
        render(snap)
        if was_active and not snap.status.active:
            st.rerun()  # the whole page: stop refreshing, show the final state and actions

    st.fragment(_panel, run_every=every if was_active else None)()


def state_badge(state: str, label: str) -> None:
    icons = {
        jobs.PENDING: ":material/schedule:", jobs.RUNNING: ":material/progress_activity:",
        jobs.STOPPING: ":material/hourglass_top:",
        jobs.SUCCEEDED: ":material/check_circle:", jobs.FAILED: ":material/error:",
        jobs.STOPPED: ":material/stop_circle:",
    }
    colors = {jobs.SUCCEEDED: "green", jobs.FAILED: "red", jobs.STOPPED: "gray"}
    st.badge(label, icon=icons.get(state), color=colors.get(state, "blue"))
