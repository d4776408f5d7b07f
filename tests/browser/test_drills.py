"""Drills in a real browser: the app server dies mid-training, people type nonsense, two tabs.

Workspaces are set up through core (demo model, dataset, a long CPU config) so each drill
spends its time on what it checks.
"""

from __future__ import annotations

import json
import time

import psutil
import pytest

from core import jobs
from tests.browser.conftest import (
    JOB_TIMEOUT,
    after_run,
    alerts,
    assert_no_traceback,
    badges,
    click_button,
    fill,
    go,
    group_alive,
    has_badge,
    main_text,
    nav_link,
    nav_titles,
    open_app,
    open_page,
    poll,
    progress,
    screenshot,
    script_runs,
    wait_alert,
    wait_idle,
)


def _job_dirs(ws) -> list:
    return [d for d in ws.run_dirs() if (d / "job.json").exists()]


def _record(run_dir) -> dict | None:
    rec = json.loads((run_dir / "job.json").read_text(encoding="utf-8"))
    return rec if rec.get("pid") else None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# ---------------------------------------------------------------------------------------- restart
def test_training_survives_an_app_restart_and_can_be_stopped_after(start_server, new_page, make_ready_ws):
    ws = make_ready_ws()
    server = start_server(ws.root)
    page = new_page()
    open_page(page, server, "训练")
    click_button(page, "开始训练")
    wait_alert(page, "训练已启动")
    run_dir = poll(lambda: _job_dirs(ws), 90, what="the run folder")[0]
    record = poll(lambda: _record(run_dir), 90, what="the job's pid in job.json")
    pid, pgid = record["pid"], record["pgid"]
    first = poll(lambda: progress(page), JOB_TIMEOUT, 1.0, "the first progress line")
    screenshot(page, "10-restart-training-running")

    # The app server dies hard (SIGKILL to its whole process group) ...
    server_pid = server.pid
    server.kill()
    assert not _alive(server_pid)
    # ... the training does not notice.
    assert _alive(pid), f"the training (pid {pid}) died with the app server"
    assert jobs.status(run_dir).state == jobs.RUNNING

    # Restart on the same workspace (and port); a reload re-attaches to the same run.
    server.start()
    page.reload()
    wait_idle(page, 90)
    text = main_text(page)
    assert f"当前训练：{run_dir.name}" in text, text[:2000]
    assert "训练" in nav_titles(page), nav_titles(page)  # the app's own navigation, not the pages folder's
    assert has_badge(page, "运行中"), badges(page)
    later = poll(lambda: (p := progress(page)) and p[0] > first[0] and p, JOB_TIMEOUT, 1.0,
                 f"progress beyond {first} after the restart")
    assert later[1] == first[1]
    assert_no_traceback(page)
    screenshot(page, "11-restart-reattached")

    click_button(page, "停止训练", timeout=180)
    poll(lambda: has_badge(page, "已停止"), 180, 0.5, "the stopped badge")
    assert jobs.status(run_dir).state == jobs.STOPPED
    assert main_text(page).split("预计剩余", 1)[1].strip().splitlines()[0].strip() == "–"  # no ETA once stopped
    poll(lambda: not group_alive(pgid), 90, 0.5, "the training's process group to be gone")
    assert not _alive(pid)
    assert len(_job_dirs(ws)) == 1
    assert_no_traceback(page)
    screenshot(page, "12-restart-stopped")


# ---------------------------------------------------------------------------------------- two tabs
def test_two_tabs_see_one_training_and_a_double_click_starts_one(start_server, new_page, make_ready_ws):
    ws = make_ready_ws()
    server = start_server(ws.root)
    tab_a, tab_b = new_page(), new_page()
    open_page(tab_a, server, "训练")
    open_page(tab_b, server, "训练")
    start = tab_a.get_by_role("button", name="开始训练", exact=True)
    runs_a, runs_b = script_runs(tab_a), script_runs(tab_b)
    start.dblclick()
    tab_b.get_by_role("button", name="开始训练", exact=True).click()  # a second person, at the same moment
    poll(lambda: script_runs(tab_a) > runs_a and script_runs(tab_b) > runs_b, 90, 0.05,
         "both tabs' clicks to run the script")
    wait_idle(tab_a, 90)
    wait_idle(tab_b, 90)
    time.sleep(2)  # any late second start would have made its folder by now
    runs = _job_dirs(ws)
    assert len(runs) == 1, [d.name for d in ws.run_dirs()]
    assert len(ws.run_dirs()) == 1, "a refused start left an empty run folder behind"
    name = runs[0].name
    assert len(jobs.active_jobs(ws.runs_dir, "train")) == 1

    for tab in (tab_a, tab_b):
        tab.reload()
        wait_idle(tab, 90)
        assert f"当前训练：{name}" in main_text(tab)
        assert has_badge(tab, "运行中"), badges(tab)
        assert tab.get_by_role("button", name="开始训练", exact=True).count() == 0
        assert_no_traceback(tab)
    screenshot(tab_a, "13-two-tabs-a")
    screenshot(tab_b, "14-two-tabs-b")

    # Stopped from one tab, the other sees it without a reload (its live panel refreshes).
    record = poll(lambda: _record(runs[0]), 90, what="the job's pid")
    click_button(tab_b, "停止训练", timeout=180)
    poll(lambda: has_badge(tab_a, "已停止"), 180, 0.5, "tab A to show the run stopped")
    assert jobs.status(runs[0]).state == jobs.STOPPED
    poll(lambda: not group_alive(record["pgid"]), 90, 0.5, "the training's process group to be gone")


# ---------------------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def bad_input_server(module_servers, tmp_path_factory, demo_model):
    """One server on a workspace with a model and a dataset but no config and no runs."""
    from tests.browser.conftest import ready_workspace

    ws = ready_workspace(tmp_path_factory.mktemp("bad") / "workspace", demo_model, n=5, config=False)
    return module_servers.start(ws.root)


def _refused_config(page, values: dict[str, str]) -> list[str]:
    """Reload the config page, type ``values`` into its number fields, save; the refusal messages."""
    page.reload()
    wait_idle(page)
    for label, value in values.items():
        fill(page, label, value, role="spinbutton")
    click_button(page, "校验并保存配置", timeout=120)
    return [a for a in alerts(page) if "配置没有保存" in a]


def test_config_refuses_impossible_values_and_writes_nothing(bad_input_server, new_page):
    server, ws = bad_input_server, bad_input_server.ws
    page = new_page()
    open_page(page, server, "配置")

    # Below the minimum: the app names the field in the page's language; nothing saved.
    fill(page, "最大长度 max_length", "10", role="spinbutton")
    click_button(page, "校验并保存配置", timeout=120)
    assert any("最大长度 max_length" in a and "64" in a for a in alerts(page)), alerts(page)
    assert not any("配置已保存" in a for a in alerts(page))
    assert not list(ws.configs_dir.glob("*.py"))
    screenshot(page, "20-bad-config-max-length")

    # Values the widgets take but XTuner must not get: the app's check names each field.
    errors = _refused_config(page, {"预热比例 warmup_ratio": "5", "学习率 lr": "0"})
    assert errors, alerts(page)
    assert "预热比例 warmup_ratio" in errors[0] and "学习率 lr" in errors[0], errors[0]
    assert not list(ws.configs_dir.glob("*.py"))
    assert "config" not in ws.settings()
    assert_no_traceback(page)
    screenshot(page, "21-bad-config-fields")

    # A warmup shorter than one iteration (one epoch of this small dataset): refused, with what works.
    errors = _refused_config(page, {"训练轮数 max_epochs": "1", "预热比例 warmup_ratio": "0.01"})
    assert errors and "预热比例 warmup_ratio" in errors[0] and "不到 1 步" in errors[0], alerts(page)
    assert not list(ws.configs_dir.glob("*.py"))
    assert_no_traceback(page)


def test_a_config_the_page_saves_can_train(start_server, new_page, make_ready_ws):
    ws = make_ready_ws(config=False)
    server = start_server(ws.root)
    page = new_page()
    open_page(page, server, "配置")
    fill(page, "预热比例 warmup_ratio", "0", role="spinbutton")
    click_button(page, "校验并保存配置", timeout=120)
    assert any("配置已保存" in a for a in alerts(page)), alerts(page)  # 0 = no warmup, a config that trains
    go(page, "训练")
    click_button(page, "开始训练")
    run_dir = poll(lambda: _job_dirs(ws), 90, what="the run folder")[0]
    ended = poll(lambda: progress(page) or has_badge(page, "失败"), JOB_TIMEOUT, 1.0, "progress or failure")
    screenshot(page, "26-bad-config-trains")
    assert ended is not True and jobs.status(run_dir).state != jobs.FAILED, main_text(page)[-2000:]


def test_config_below_a_minimum_says_which_field_in_words(bad_input_server, new_page):
    page = new_page()
    open_page(page, bad_input_server, "配置")
    fill(page, "最大长度 max_length", "10", role="spinbutton")
    click_button(page, "校验并保存配置", timeout=120)
    assert any("最大长度 max_length" in a for a in alerts(page)), alerts(page)
    assert not list(bad_input_server.ws.configs_dir.glob("*.py"))


def test_home_refuses_paths_that_are_not_models(bad_input_server, new_page, tmp_path):
    server, ws = bad_input_server, bad_input_server.ws
    before = ws.settings()["base_model"]
    (tmp_path / "not-a-model").mkdir()
    (tmp_path / "weights.bin").write_bytes(b"\0" * 16)
    cases = {
        str(tmp_path / "not-a-model"): "没有 config.json",
        str(tmp_path / "no-such-folder"): "找不到文件夹",
        str(tmp_path / "weights.bin"): "是一个文件，不是文件夹",
    }
    page = new_page()
    open_app(page, server)
    for path, message in cases.items():
        fill(page, "模型文件夹", path)
        click_button(page, "使用这个模型")
        assert any(message in a and path in a for a in alerts(page)), (path, alerts(page))
        assert ws.settings()["base_model"] == before
        assert_no_traceback(page)
    screenshot(page, "22-bad-home-model-path")


def test_convert_page_without_runs_says_what_to_do(bad_input_server, new_page):
    page = new_page()
    open_page(page, bad_input_server, "转换与合并")
    assert any("还没有带检查点的训练" in a for a in alerts(page)), alerts(page)
    assert page.get_by_role("button", name="转换并合并", exact=True).count() == 0
    assert_no_traceback(page)
    screenshot(page, "23-bad-convert-no-runs")


BAD_FILES = {
    # name: (content, what the page must say)
    "not-json.json": (b"hello, this is not JSON", "不是合法的 JSON"),
    "wrong-schema.json": (json.dumps([{"foo": 1, "bar": "x"}]).encode(), "第 1 条：认不出格式（字段：foo, bar）"),
    "empty.json": (b"", "文件是空的"),
    "picture.json": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "这不是文本文件"),
    "gbk.json": (json.dumps([{"conversation": [{"input": "你好", "output": "我是GBK编码的回答"}]}],
                            ensure_ascii=False).encode("gbk"), "看起来是 GBK"),
}


def test_dataset_import_of_bad_files_explains_and_changes_nothing(bad_input_server, new_page, tmp_path):
    server, ws = bad_input_server, bad_input_server.ws
    saved = ws.dataset_path.read_bytes()
    page = new_page()
    open_page(page, server, "数据集")
    paths = {}
    for name, (data, _) in BAD_FILES.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    cases = [(name, paths[name], msg) for name, (_, msg) in BAD_FILES.items()]
    cases.append(("missing.json", tmp_path / "missing.json", "找不到文件"))
    huge = tmp_path / "huge.json"  # sparse: 201 MB on paper, nothing on disk
    with open(huge, "wb") as f:
        f.truncate(201 * 2**20)
    cases.append(("huge.json", huge, "文件太大（201 MB），最大 200 MB"))
    for i, (name, path, message) in enumerate(cases, start=1):
        fill(page, "或者：服务器上的文件路径", str(path))
        click_button(page, "读取")
        assert message in main_text(page), (name, alerts(page))
        assert_no_traceback(page)
        screenshot(page, f"24-bad-dataset-{i}-{name.removesuffix('.json')}")
        # Leave the import without taking anything.
        for label in ("知道了", "取消"):
            button = page.get_by_role("button", name=label, exact=True)
            if button.count():
                after_run(page, button.first.click, f"clicking 「{label}」")
                break
        assert ws.dataset_path.read_bytes() == saved

    # The same through the browser's upload, for a binary file.
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(paths["picture.json"]))
    poll(lambda: "这不是文本文件" in main_text(page), 90, 0.5, "the upload's message")
    wait_idle(page)
    assert_no_traceback(page)
    screenshot(page, "25-bad-dataset-upload-binary")
    assert ws.dataset_path.read_bytes() == saved
    assert not list(ws.data_dir.glob(".versions/*"))


# ---------------------------------------------------------------------------------------- reload after restart
def test_a_page_url_right_after_a_restart_gets_the_app_navigation(start_server, new_page, make_ready_ws):
    """A bookmark of /train, or a tab reloading /train after the app restarted, is the first
    visit after a server start: Streamlit would run pages/train.py alone in its old pages-folder
    mode (file names as links, no language switch) unless the app leaves that mode."""
    server = start_server(make_ready_ws(config=False).root)
    page = new_page()
    open_app(page, server, "train")
    screenshot(page, "15-first-visit-train-after-start")
    titles = nav_titles(page)
    assert {"首页", "数据集", "配置", "训练", "转换与合并"} <= set(titles), titles
    assert "train" not in titles and "app" not in titles, titles
    assert page.get_by_text("语言 / Language").count() == 1
    assert "训练" in main_text(page)


def test_tabs_reconnecting_together_after_a_restart_all_get_the_app_navigation(start_server, new_page,
                                                                               make_ready_ws):
    """After a restart every open tab reconnects at about the same moment. Streamlit's old-mode
    flag is shared by all sessions: the first tab's run must not leave the others in that mode."""
    server = start_server(make_ready_ws(config=False).root)
    tabs = [new_page() for _ in range(3)]
    for tab in tabs:
        open_app(tab, server, "train")
    server.kill()
    server.start()
    for tab in tabs:  # no waiting in between: the reloads race each other on the fresh server
        tab.reload(wait_until="commit")
    for i, tab in enumerate(tabs):
        wait_idle(tab, 90)
        titles = nav_titles(tab)
        assert {"首页", "数据集", "配置", "训练", "转换与合并"} <= set(titles), (i, titles)
        assert "train" not in titles and "app" not in titles, (i, titles)
        assert_no_traceback(tab)


def test_run_sh_announces_the_port_it_serves(bad_input_server):
    log = bad_input_server.log.read_text(encoding="utf-8", errors="replace")
    assert f"==> Assistant Studio on http://127.0.0.1:{bad_input_server.port}" in log, log[:500]


# ---------------------------------------------------------------------------------------- leaving mid-action
def test_leaving_home_while_the_demo_model_is_made_keeps_it_chosen(start_server, new_page):
    """People click a button and move on. Leaving the page stops its run at the next Streamlit
    call; the model made by then must still be the chosen base model."""
    server = start_server()
    page = new_page()
    open_app(page, server)
    page.get_by_role("button", name="生成并使用演示模型（离线、CPU 可用）", exact=True).click()
    poll(lambda: page.get_by_text("正在生成演示模型").count(), 90, 0.05, "the spinner")
    nav_link(page, "数据集").click()  # away before the model is ready
    ws = server.ws
    poll(lambda: ws.settings().get("base_model") == str(ws.demo_model_dir), 300, 0.5,
         lambda: f"the demo model to be chosen (settings: {ws.settings()})")
    page.reload()
    wait_idle(page)
    assert "还没有选择基础模型" not in main_text(page)
    assert_no_traceback(page)
