"""The browser helpers themselves: a click's wait covers the run that ``st.rerun()`` starts.

Many of the app's buttons end with ``st.rerun()`` (the demo model, saving a dataset, the
convert page). Streamlit then reports the first run finished ("early, for a rerun"), tells the
page it is not running, collects garbage (``gc.collect(2)``) and only then starts the follow-up
run. A helper that took the first report as the end could read the page while it still showed
the stopped run (seen once: the journey found no 「演示模型已就绪」 on an idle machine). Here a
bare Streamlit script makes that pause long on purpose, so the wait is tested every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.browser.conftest import Server, click_button, main_text, wait_idle

SCRIPT = '''
import gc
import time

import streamlit as st


@st.cache_resource
def pause_after_a_stopped_run():
    # The garbage collection that follows a run stopped by st.rerun() takes 1.5 s more, sleeping
    # (the GIL released), so the server meanwhile tells the page that the stopped run is over.
    armed = {"on": False}

    def pause(phase, info):
        if phase == "stop" and info["generation"] == 2 and armed["on"]:
            armed["on"] = False
            time.sleep(1.5)

    gc.callbacks.append(pause)
    return armed


armed = pause_after_a_stopped_run()
if st.button("rerun"):
    st.session_state.reruns = st.session_state.get("reruns", 0) + 1
    armed["on"] = True
    st.rerun()
st.write(f"reruns done: {st.session_state.get('reruns', 0)}")
'''


class BareServer(Server):
    """The browser fixtures' server, running a bare Streamlit script instead of the app."""

    script: Path | None = None

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "streamlit", "run", str(self.script), "--server.port", str(self.port)]


def test_a_click_waits_for_the_run_that_st_rerun_starts(tmp_path, new_page):
    server = BareServer(tmp_path, tmp_path / "server.log", {})
    server.script = tmp_path / "rerun_app.py"
    server.script.write_text(SCRIPT, encoding="utf-8")
    try:
        server.start(timeout=120)
        page = new_page()
        page.goto(server.url, wait_until="domcontentloaded")
        wait_idle(page, 180)
        assert "reruns done: 0" in main_text(page)
        for n in (1, 2):
            click_button(page, "rerun", timeout=180)
            # Read at once: the helper's wait must already cover the follow-up run.
            assert f"reruns done: {n}" in main_text(page), main_text(page)
    finally:
        server.stop()
