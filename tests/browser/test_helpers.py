"""The browser helpers themselves: a click's wait covers the run that ``st.rerun()`` starts.

Many of the app's buttons end with ``st.rerun()`` (the demo model, saving a dataset, the
convert page). Streamlit then reports the first run finished ("early, for a rerun"), tells the
page it is not running, collects garbage (``gc.collect(2)``) and only then starts the follow-up
run. A helper that took the first report as the end could read the page while it still showed
the stopped run (seen once: the journey found no 「演示模型已就绪」 on an idle machine). Here a
bare Streamlit script makes that pause long on purpose, so the wait is tested every time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

from tests.browser.conftest import click_button, free_port, main_text, poll, wait_idle

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


def test_a_click_waits_for_the_run_that_st_rerun_starts(tmp_path, new_page):
    script = tmp_path / "rerun_app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def healthy() -> bool:
            assert proc.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    return r.read().decode().strip() == "ok"
            except OSError:
                return False

        poll(healthy, 120, 0.3, "the bare Streamlit server to answer /_stcore/health")
        page = new_page()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
        wait_idle(page, 180)
        assert "reruns done: 0" in main_text(page)
        for n in (1, 2):
            click_button(page, "rerun", timeout=180)
            # Read at once: the helper's wait must already cover the follow-up run.
            assert f"reruns done: {n}" in main_text(page), main_text(page)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
