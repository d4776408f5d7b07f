"""Safe by default, checked on the running app: loopback only, password gate, XSRF, upload
limit, and no shell in the code."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib

import psutil
import pytest

from core import dataset_io
from tests.browser.conftest import (
    APP,
    APP_ROOT,
    NAV_LINK,
    alerts,
    click_button,
    main_text,
    nav_titles,
    open_app,
    poll,
    screenshot,
    wait_idle,
)

PASSWORD = "correct horse 电池"
LOOPBACK = {"127.0.0.1", "::1"}


def _listening(pid: int) -> list:
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    found = []
    for p in procs:
        found += [c for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    return found


def _outside_addresses() -> list[str]:
    out = []
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                out.append(a.address)
    return out


@pytest.fixture(scope="module")
def open_server(module_servers):
    return module_servers.start()


def test_the_server_listens_on_loopback_only(open_server):
    listening = _listening(open_server.pid)
    assert listening, "the app has no listening socket"
    assert {c.laddr.port for c in listening} == {open_server.port}
    assert {c.laddr.ip for c in listening} <= LOOPBACK, listening
    outside = _outside_addresses()
    if not outside:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    for ip in outside:
        with pytest.raises(OSError):
            socket.create_connection((ip, open_server.port), timeout=3).close()


def test_xsrf_protection_and_upload_limit_are_on(open_server, new_page):
    conf = tomllib.loads((APP_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = conf["server"]
    assert server["enableXsrfProtection"] is True
    assert server["address"] == "127.0.0.1"
    assert 0 < server["maxUploadSize"] <= 200
    # What Streamlit itself resolves from that folder (the options the server starts with).
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=APP_ROOT,
                           capture_output=True, text=True, timeout=120).stdout
    effective = dict(re.findall(r"^(\w+) = (.+)$", shown.split("[server]", 1)[1].split("\n[", 1)[0], re.M))
    assert effective["enableXsrfProtection"] == "true", shown
    assert effective["maxUploadSize"] == str(server["maxUploadSize"])
    assert effective["address"] == '"127.0.0.1"'
    # The running server hands out its XSRF token cookie, and the uploader tells the limit.
    page = new_page()
    open_app(page, open_server, "dataset")
    assert any(c["name"] == "_streamlit_xsrf" for c in page.context.cookies())
    # The page may still be drawing when open_app returns (a loaded machine): wait for the uploader's line.
    line = f"{server['maxUploadSize']}MB per file"
    poll(lambda: line in main_text(page), 90, 0.5,
         lambda: f"the uploader's {line!r} in the page (it shows: {main_text(page)[-300:]!r})")
    # ...drawn in the page's language over Streamlit's English (ui/uploader.py)
    limit = min(server["maxUploadSize"], dataset_io.MAX_BYTES // 2**20)
    drawn = page.evaluate("""() => [...document.querySelectorAll("[data-testid=stFileUploaderDropzone] button p, "
        + "[data-testid=stFileUploaderDropzoneInstructions] span")].map(e => getComputedStyle(e, "::after").content)""")
    assert drawn == ['"选择文件"', f'"每个文件最大 {limit} MB"'], drawn


# Every ::after drawn on a visible element of the drop zone, and the size of the "add another file"
# button's icon (a file attached).
_ZONE_WORDS = """() => {
  const zone = document.querySelector("[data-testid=stFileUploaderDropzone]");
  const drawn = [...zone.querySelectorAll("*")].filter(e => e.checkVisibility({visibilityProperty: true}))
    .map(e => getComputedStyle(e, "::after").content)
    .filter(c => c && c !== "none" && c !== "normal");
  const icon = zone.querySelector("[data-testid=stBaseButton-borderlessIcon] [data-testid=stIconMaterial]");
  return {drawn, icon: icon ? getComputedStyle(icon).fontSize : null};
}"""
_DRAG = """() => {
  const zone = document.querySelector("[data-testid=stFileUploaderDropzone]");
  const dt = new DataTransfer(); dt.items.add(new File(["x"], "a.json"));
  for (const type of ["dragenter", "dragover"]) {
    zone.dispatchEvent(new DragEvent(type, {bubbles: true, dataTransfer: dt}));
  }
}"""


def test_the_uploader_is_worded_in_the_pages_language_with_and_without_a_file(open_server, new_page, tmp_path):
    """Streamlit's drop zone changes once a file is attached (the file's chip and an "add" button sit
    where the drag overlay was): our words must go on the overlay only, never over the chip's button
    (they did: 「松开鼠标，上传这个文件」 drawn over the file's name and the "+" icon hidden)."""
    page = new_page()
    open_app(page, open_server, "dataset")
    zone = page.locator("[data-testid=stFileUploaderDropzone]")
    poll(lambda: zone.count() == 1, 90, 0.5, "the dataset page's drop zone")
    limit = min(int(tomllib.loads((APP_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"][
        "maxUploadSize"]), dataset_io.MAX_BYTES // 2**20)
    empty = ['"选择文件"', f'"每个文件最大 {limit} MB"']
    poll(lambda: page.evaluate(_ZONE_WORDS)["drawn"] == empty, 90, 0.5,
         lambda: f"the empty drop zone's words {empty} (drawn: {page.evaluate(_ZONE_WORDS)})")
    page.evaluate(_DRAG)  # the overlay lies over the button and the size line
    poll(lambda: '"松开鼠标，上传这个文件"' in page.evaluate(_ZONE_WORDS)["drawn"], 30, 0.5,
         lambda: f"the drag overlay's words (drawn: {page.evaluate(_ZONE_WORDS)})")
    page.evaluate("""() => document.querySelector("[data-testid=stFileUploaderDropzone]")
        .dispatchEvent(new DragEvent("dragleave", {bubbles: true}))""")
    data = tmp_path / "one.json"
    data.write_text('[{"conversation": [{"input": "你好", "output": "嗨"}]}]', encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(data))
    poll(lambda: page.locator("[data-testid=stFileChip]").count() == 1 and "one.json" in main_text(page), 90, 0.5,
         "the attached file's chip")

    def chip_left_alone() -> bool:
        now = page.evaluate(_ZONE_WORDS)
        return now["drawn"] == [] and now["icon"] not in (None, "0px")

    poll(chip_left_alone, 30, 0.5,
         lambda: f"no words over the file's chip and a visible add icon (got: {page.evaluate(_ZONE_WORDS)})")
    screenshot(page, "security-uploader-with-a-file")
    page.evaluate(_DRAG)
    poll(lambda: page.evaluate(_ZONE_WORDS)["drawn"] == ['"松开鼠标，上传这个文件"'], 30, 0.5,
         lambda: f"the drag overlay's words over an attached file (drawn: {page.evaluate(_ZONE_WORDS)})")


def test_no_shell_in_the_code():
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=APP_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    assert files
    shell_true = "shell" + "=True"  # spelled apart so this file does not match itself
    offenders = [f for f in files if shell_true in (APP_ROOT / f).read_text(encoding="utf-8", errors="replace")]
    assert not offenders, offenders
    banned = ("os.system", "os.popen", "subprocess", "os.kill", "import torch")
    in_pages = [(f, b) for f in files if f.startswith("pages/") for b in banned
                if b in (APP_ROOT / f).read_text(encoding="utf-8")]
    assert not in_pages, in_pages


# ---------------------------------------------------------------------------------------- password
# A server with a password that nobody has logged in to yet: the tests run in file order and
# the login test comes last.
@pytest.fixture(scope="module")
def locked_server(module_servers, browser):
    """Past its first visit (which the tests above check on servers of their own)."""
    server = module_servers.start(password=PASSWORD)
    ctx = browser.new_context()
    open_app(ctx.new_page(), server)
    ctx.close()
    return server


def _shows_login_only(page) -> None:
    text = page.locator(APP).inner_text()
    assert page.get_by_role("textbox", name="密码", exact=True).count() == 1, text[:1500]
    assert "这台机器上的小助手工作室设置了密码" in text
    for leak in ("进度", "基础模型", "训练配置", "开始训练", "转换与合并", "对比聊天", "训练前", "数据集", "工作区"):
        assert leak not in text, (leak, text[:1500])


@pytest.mark.parametrize("path", ["", "train", "chat"])
def test_the_first_visit_after_a_start_shows_only_the_login_form(start_server, new_page, path):
    """The first visit after a server start is special (Streamlit's old pages-folder mode draws
    a link to every script in pages/ unless the app replaces its navigation)."""
    server = start_server(password=PASSWORD)
    page = new_page()
    open_app(page, server, path)
    screenshot(page, f"30-locked-first-visit-{path or 'root'}")
    _shows_login_only(page)
    assert page.locator(NAV_LINK).count() == 0, nav_titles(page)


@pytest.mark.parametrize("path", ["", "home", "dataset", "config", "train", "convert", "chat", "no-such-page"])
def test_before_login_every_page_url_shows_only_the_login_form(locked_server, new_page, path):
    page = new_page()
    open_app(page, locked_server, path)
    screenshot(page, f"31-locked-{path or 'root'}")
    _shows_login_only(page)
    assert page.locator(NAV_LINK).count() == 0, nav_titles(page)


def test_wrong_password_is_refused_and_the_right_one_opens_the_app(locked_server, new_page):
    page = new_page()
    open_app(page, locked_server)
    box = page.get_by_role("textbox", name="密码", exact=True)
    box.fill("not the password")
    click_button(page, "登录")
    assert any("密码不对" in a for a in alerts(page)), alerts(page)
    _shows_login_only(page)
    screenshot(page, "32-login-wrong-password")
    box.fill(PASSWORD)
    click_button(page, "登录")
    wait_idle(page)
    titles = nav_titles(page)
    assert {"首页", "配置", "训练", "转换与合并"} <= set(titles), titles
    assert "进度" in main_text(page)
    screenshot(page, "33-login-ok")
    # A new visitor (fresh browser context) still has to log in, on any page.
    other = new_page()
    open_app(other, locked_server, "train")
    _shows_login_only(other)
