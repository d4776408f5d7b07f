"""Real-browser fixtures: the app started with ./run.sh on a free port, driven by Chromium.

Each server gets its own workspace (``-- --workspace DIR``), writes to a log file under
``artifacts/browser/`` and runs in its own process group, which teardown kills whole;
jobs it leaves running are stopped. Screenshots go to ``artifacts/screenshots/``.

``BROWSER_APP_ROOT`` (optional) points the servers at another checkout of the app, e.g.
one where a page still missing from the navigation is already listed; the default is
this repository.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from core.workspace import Workspace
from tests.conftest import stop_all_jobs

ROOT = Path(__file__).resolve().parents[2]
APP_ROOT = Path(os.environ.get("BROWSER_APP_ROOT") or ROOT).resolve()
ARTIFACTS = ROOT / "artifacts"
SHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD_ENV = "ASSISTANT_STUDIO_PASSWORD"
WORKSPACE_ENV = "ASSISTANT_STUDIO_WORKSPACE"

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- the server
def _stamp_fresh(venv: Path) -> bool:
    """True when run.sh would start at once (its install stamp is newer than the requirements)."""
    stamp = venv / ".installed"
    if not (venv / "bin" / "python").exists() or not stamp.exists():
        return False
    return all(stamp.stat().st_mtime >= (APP_ROOT / r).stat().st_mtime
               for r in ("requirements.txt", "requirements-xtuner.txt"))


@pytest.fixture(scope="session")
def run_sh_env(tmp_path_factory) -> dict[str, str]:
    """Environment for ``./run.sh`` that makes it start the app without reinstalling.

    When ``.venv`` carries run.sh's install stamp, nothing is needed. A venv made by hand
    has no stamp, and run.sh would then reinstall (which needs the network). Instead we
    hand run.sh (through its documented ``VENV`` variable) a stand-in venv that links to
    the real one's ``bin`` and ``lib`` and carries a fresh stamp: the same interpreter and
    packages, started by run.sh's own ``exec`` line.
    """
    venv = APP_ROOT / ".venv"
    if _stamp_fresh(venv):
        return {}
    shadow = tmp_path_factory.mktemp("venv") / "venv"
    shadow.mkdir()
    for name in ("bin", "lib", "include"):
        if (venv / name).exists():
            (shadow / name).symlink_to(venv / name)
    (shadow / "pyvenv.cfg").write_bytes((venv / "pyvenv.cfg").read_bytes())
    (shadow / ".installed").touch()
    return {"VENV": str(shadow)}


@dataclass
class Server:
    workspace: Path
    log: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def ws(self) -> Workspace:
        return Workspace.resolve(self.workspace)

    def argv(self) -> list[str]:
        # run.sh: exec python -m streamlit run app.py --server.port "$PORT" "$@"; our later
        # --server.port wins, and everything after "--" goes to app.py.
        return [str(APP_ROOT / "run.sh"), "--server.port", str(self.port), "--", "--workspace", str(self.workspace)]

    def start(self, timeout: float = 300) -> Server:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if k not in (PASSWORD_ENV, WORKSPACE_ENV, "PORT", "VENV")}
        env.update(self.env)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.argv())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv(), cwd=APP_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the app did not answer /_stcore/health in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def group_pids(self) -> list[int]:
        if self.proc is None:
            return []
        out = []
        for p in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(p.pid) == self.proc.pid:
                    out.append(p.pid)
            except (ProcessLookupError, PermissionError):
                continue
        return out

    def kill(self, sig: int = signal.SIGKILL, wait: float = 15) -> None:
        """Signal the server's whole process group and wait until it is gone."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        deadline = time.time() + 30
        while self.group_pids() and time.time() < deadline:
            time.sleep(0.1)
        left = self.group_pids()
        if left:
            raise RuntimeError(f"the app's process group {self.proc.pid} still has processes {left} "
                               f"30 s after signal {sig}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill(signal.SIGTERM, wait=10)
        elif self.proc is not None:
            self.kill(signal.SIGKILL, wait=5)  # the leader is gone; anything left in its group goes too


class ServerPool:
    """Starts app servers for one test (or module) and takes them all down afterwards."""

    def __init__(self, tmp_path_factory, env: dict[str, str], name: str) -> None:
        self.tmp_path_factory, self.env, self.name = tmp_path_factory, env, name
        self.servers: list[Server] = []

    def start(self, workspace: Path | None = None, *, password: str | None = None) -> Server:
        ws_dir = Path(workspace) if workspace else self.tmp_path_factory.mktemp("ws") / "workspace"
        env = dict(self.env)
        if password:
            env[PASSWORD_ENV] = password
        server = Server(ws_dir, LOGS / f"{self.name}-{len(self.servers)}.log", env)
        self.servers.append(server)
        return server.start()

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        for ws_dir in {s.workspace for s in self.servers}:
            if ws_dir.exists():
                stop_all_jobs(Workspace.resolve(ws_dir))


def _name(node) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name)[:80]


@pytest.fixture()
def start_server(tmp_path_factory, run_sh_env, request) -> Iterator[Callable[..., Server]]:
    """``start_server(workspace=None, password=None)`` starts the app; teardown kills it and its jobs."""
    pool = ServerPool(tmp_path_factory, run_sh_env, _name(request.node))
    yield pool.start
    pool.close()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory, run_sh_env, request) -> Iterator[ServerPool]:
    """Like ``start_server``, for servers shared by the tests of one module."""
    pool = ServerPool(tmp_path_factory, run_sh_env, _name(request.node))
    yield pool
    pool.close()


# ---------------------------------------------------------------------------- the browser
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def new_page(browser) -> Iterator[Callable[[], Any]]:
    """``new_page()``: a page in a fresh browser context (its own cookies: a new visitor)."""
    contexts = []

    def make() -> Any:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        ctx.set_default_timeout(90_000)  # a locator waits this long for its element (a loaded machine is slow)
        contexts.append(ctx)
        page = ctx.new_page()
        count_runs(page)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


# ---------------------------------------------------------------------------- page helpers
APP = '[data-testid="stApp"]'
MAIN = '[data-testid="stMain"]'


# Counts the script runs the server has finished for a page (full or fragment runs): every
# ``script_finished`` message on the page's websocket, except a run that ended for a rerun. A click
# reaches the server and starts its run only later, a long while later on a loaded machine, and until
# then the page still looks idle;
# waiting for this count to move is how a helper knows the run it caused has happened. (Counting the
# page's data-test-script-state changes to "running" missed fast runs on an idle machine: React
# renders the start and the end of a short run as one update, so "running" never reached the page.)
def count_runs(page) -> None:
    """Start counting ``page``'s finished script runs (read with :func:`script_runs`)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page.st_finished_runs = 0

    def on_frame(payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a message of the app's protocol
            return
        # A run stopped by st.rerun() (or by a newer click) is not the end: its follow-up run is.
        # Streamlit reports the stopped run as finished "early, for a rerun" and the page reads
        # "not running" until the follow-up starts (after the server's garbage collection); a
        # pause there as long as wait_idle's settle let the wait end on the stopped run's page.
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            page.st_finished_runs += 1

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


def script_runs(page) -> int:
    """How many script runs the server has finished for this page (see :func:`count_runs`)."""
    page.evaluate("() => 0")  # lets Playwright deliver the frames received so far
    return page.st_finished_runs


def wait_idle(page, timeout: float = 120, settle: float = 0.4) -> None:
    """Wait until the script run has finished (and stays finished for ``settle`` seconds).

    It cannot see a run that has been asked for but not started yet: after an action, use
    :func:`after_run` (or the helpers built on it) instead."""
    deadline = time.time() + timeout
    page.wait_for_selector(APP, timeout=timeout * 1000)
    quiet_since = None
    state = connected = None
    while time.time() < deadline:
        state = page.locator(APP).get_attribute("data-test-script-state")
        connected = page.locator(APP).get_attribute("data-test-connection-state")
        if state == "notRunning" and connected == "CONNECTED":
            quiet_since = quiet_since or time.time()
            if time.time() - quiet_since >= settle:
                return
        else:
            quiet_since = None
        time.sleep(0.1)
    raise AssertionError(f"the app did not settle in {timeout} s (script state {state!r}, connection {connected!r})")


def after_run(page, action: Callable[[], Any], what: str | Callable[[], str], timeout: float = 120) -> None:
    """Do ``action`` (a click, a key press), wait until the server has run the script for it, then
    until the page is idle again; fail naming ``what`` when no run finishes within ``timeout``."""
    before = script_runs(page)
    action()
    poll(lambda: script_runs(page) > before, timeout, 0.05,
         lambda: f"a script run to finish after {what() if callable(what) else what} (page: script state "
                 f"{page.locator(APP).get_attribute('data-test-script-state')!r}, connection "
                 f"{page.locator(APP).get_attribute('data-test-connection-state')!r})")
    wait_idle(page, timeout)


def open_app(page, server: Server, path: str = "", timeout: float = 90) -> None:
    page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
    wait_idle(page, timeout)


def main_text(page) -> str:
    return page.locator(MAIN).inner_text()


NAV_LINK = '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'


def nav_titles(page) -> list[str]:
    """Titles of the navigation links (their icon names left out)."""
    return [t.strip() for t in page.locator(f"{NAV_LINK} span[label]").all_inner_texts()]


def nav_link(page, title: str):
    return page.locator(NAV_LINK).filter(has=page.locator(f'span[label="{title}"]'))


def go(page, title: str, timeout: float = 90) -> None:
    """Click the navigation link ``title`` and wait for the page to render."""
    after_run(page, nav_link(page, title).click, f"clicking the link 「{title}」", timeout)


def open_page(page, server: Server, title: str, timeout: float = 90) -> None:
    """Open the app the way people do (its address, then the page's link in the sidebar)."""
    open_app(page, server, timeout=timeout)
    go(page, title, timeout)


def poll(fn: Callable[[], Any], timeout: float, interval: float = 0.5,
         what: str | Callable[[], str] = "condition") -> Any:
    """Call ``fn`` until it returns something truthy; fail after ``timeout`` seconds.

    ``what`` names the awaited thing in the failure message (a callable is asked then)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what} "
                         f"(last: {last!r})")


def assert_no_traceback(page) -> None:
    text = page.locator(APP).inner_text()
    assert "Traceback" not in text, text[-2000:]
    assert not re.search(r'File ".*", line \d+', text), text[-2000:]
    assert page.locator('[data-testid="stException"]').count() == 0, text[-2000:]


def screenshot(page, name: str) -> Path:
    """A full-length screenshot of the page into artifacts/screenshots/<name>.png.

    Streamlit scrolls its main area inside a container, so a plain full-page shot shows
    only one viewport: the viewport is stretched to the content's height for the shot.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => {
        const els = [document.querySelector('[data-testid="stMain"]'),
                     document.querySelector('[data-testid="stMainBlockContainer"]'),
                     document.querySelector('section[data-testid="stSidebar"]')];
        return Math.max(document.documentElement.scrollHeight, ...els.filter(Boolean).map(e => e.scrollHeight));
    }""")
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height + 40, size["height"]), 12000))})
    try:
        time.sleep(0.5)  # let charts and tables lay out at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def fill(page, label: str, value: str, *, role: str = "textbox", timeout: float = 120) -> None:
    """Type into a text or number input found by its label and commit it (Enter), then wait for
    the run that the new value causes (none when the box already held ``value``)."""
    box = page.get_by_role(role, name=label, exact=True)
    if box.input_value() == value:
        return

    def commit() -> None:
        box.fill(value)
        box.press("Enter")

    after_run(page, commit, lambda: f"typing {value!r} into 「{label}」 (it now holds {box.input_value()!r})", timeout)


def click_button(page, name: str, timeout: float = 120) -> None:
    """Click the button ``name`` and wait for the run it causes to start and end."""
    after_run(page, page.get_by_role("button", name=name, exact=True).click, f"clicking 「{name}」", timeout)


def click_text(page, text: str, timeout: float = 120) -> None:
    """Click the element showing exactly ``text`` (a radio option, a tab) and wait for its run."""
    after_run(page, page.get_by_text(text, exact=True).click, f"clicking 「{text}」", timeout)


def wait_alert(page, words: str, timeout: float = 120) -> str:
    """The first alert of the main area that contains ``words``, waited for up to ``timeout`` seconds."""
    return poll(lambda: next((a for a in alerts(page) if words in a), None), timeout, 0.5,
                lambda: f"an alert with 「{words}」 (alerts now: {alerts(page)})")


def alerts(page) -> list[str]:
    return page.locator(f'{MAIN} [data-testid="stAlert"]').all_inner_texts()


# ---------------------------------------------------------------------------- workspaces
# Bound on waiting for a background job (training, convert). It only bounds a failure: the
# journey's 96 CPU iterations took 50 s on an idle 2-core machine, about 10 minutes while
# other test suites shared its cores, and more with two busy loops on top.
JOB_TIMEOUT = float(os.environ.get("BROWSER_JOB_TIMEOUT", 1800))

OWNER = "测试同学"


def ready_workspace(root: Path, demo_model: Path, *, n: int = 100, epochs: int | None = 40,
                    config: bool = True) -> Workspace:
    """A workspace set up through core: demo model chosen, tutorial dataset saved and, with
    ``config``, a CPU config whose training runs long enough (``epochs``) to be watched."""
    from core import config as cfg
    from core import dataset

    ws = Workspace.resolve(root)
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n))
    if config:
        path = ws.configs_dir / "internlm2_chat_1_8b_qlora_alpaca_e3_copy.py"
        path.write_text(cfg.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                            extra={"max_epochs": epochs} if epochs else None), encoding="utf-8")
        ws.update_settings(config=str(path))
    return ws


@pytest.fixture()
def make_ready_ws(tmp_path_factory, demo_model) -> Callable[..., Workspace]:
    def make(**kw: Any) -> Workspace:
        return ready_workspace(tmp_path_factory.mktemp("ready") / "workspace", demo_model, **kw)

    return make


PROGRESS_RE = re.compile(r"第 (\d+) / (\d+) 步")


def badges(page) -> list[str]:
    return [b.strip() for b in page.locator(f"{MAIN} .stMarkdownBadge").all_inner_texts()]


def has_badge(page, label: str) -> bool:
    return any(label in b for b in badges(page))


def progress(page) -> tuple[int, int] | None:
    """The training progress the page shows ("第 i / n 步"), if any."""
    m = PROGRESS_RE.search(main_text(page))
    return (int(m.group(1)), int(m.group(2))) if m else None


def group_alive(pgid: int) -> list[psutil.Process]:
    """Processes of the process group ``pgid`` that are still alive (zombies not counted)."""
    left = []
    for p in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(p)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return left
