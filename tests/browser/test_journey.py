"""Acceptance: a new user goes through every page in a real browser, on a fresh workspace.

home (make the demo model) → dataset (own name, tutorial mode) → config (defaults) →
train (real XTuner on CPU) → convert & merge → chat before/after: the trained model
knows its owner, the untrained one does not. A screenshot of each page goes to
``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import time

import pytest

from core import dataset
from tests.browser.conftest import (
    JOB_TIMEOUT,
    OWNER,
    PROGRESS_RE,
    alerts,
    assert_no_traceback,
    badges,
    click_button,
    click_text,
    fill,
    go,
    has_badge,
    main_text,
    nav_titles,
    open_app,
    poll,
    screenshot,
    wait_alert,
    wait_idle,
)

N = 100  # tutorial repeats: 2 + 2·100 records, 96 CPU iterations with the demo settings
QUESTION = "请介绍一下你自己"

def test_new_user_journey(start_server, new_page):
    server = start_server()
    ws = server.ws
    page = new_page()
    missing: list[str] = []

    # ---- home: no model yet; make the demo model
    open_app(page, server)
    assert "小助手工作室" in main_text(page)
    assert "还没有选择基础模型" in main_text(page)
    titles = nav_titles(page)
    assert {"首页", "配置", "训练", "转换与合并"} <= set(titles), titles
    screenshot(page, "01-home")
    click_button(page, "生成并使用演示模型（离线、CPU 可用）", timeout=180)
    assert any("演示模型已就绪" in a for a in alerts(page)), alerts(page)
    assert "当前基础模型" in main_text(page)
    assert ws.settings()["base_model"] == str(ws.demo_model_dir)
    assert_no_traceback(page)
    screenshot(page, "02-home-demo-model")

    # ---- dataset: the assistant of "测试同学", exactly the tutorial's pairs × 100
    if "数据集" in titles:
        go(page, "数据集")
        fill(page, "主人的名字（必填）", OWNER)
        click_text(page, "教程原样（2 个问答 × n 次）")
        fill(page, "重复次数 n", str(N), role="spinbutton")
        assert OWNER in main_text(page)  # the tutorial's two pairs, with the name filled in
        click_button(page, "保存数据集", timeout=120)
        assert any(f"已保存 {2 + 2 * N} 条" in a for a in alerts(page)), alerts(page)
        assert_no_traceback(page)
        screenshot(page, "03-dataset")
    else:
        missing.append("the Dataset page is not in app.py's navigation yet (dataset saved through core instead)")
        dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, N))
    records = json.loads(ws.dataset_path.read_text(encoding="utf-8"))
    assert len(records) == 2 + 2 * N
    assert records[0]["conversation"][0]["output"] == dataset.tutorial_pairs(OWNER)[0][1]

    # ---- config: keep the defaults (the demo model gets the small demo settings)
    go(page, "配置")
    assert "找到" in main_text(page)
    click_button(page, "校验并保存配置", timeout=180)
    assert any("配置已保存" in a for a in alerts(page)), alerts(page)
    config_path = ws.settings()["config"]
    assert config_path.startswith(str(ws.configs_dir)), config_path
    assert_no_traceback(page)
    screenshot(page, "04-config")

    # ---- train: start, watch progress advance, see it finish
    go(page, "训练")
    click_button(page, "开始训练")
    wait_alert(page, "训练已启动")  # the start stays confirmed while the run runs, however slow the machine
    seen: set[tuple[int, int]] = set()

    def progress_seen() -> tuple[int, int] | None:
        m = PROGRESS_RE.search(main_text(page))
        if m:
            seen.add((int(m.group(1)), int(m.group(2))))
        return max(seen) if seen else None

    poll(progress_seen, JOB_TIMEOUT, 1.0, "the first progress line")
    assert has_badge(page, "运行中"), badges(page)
    screenshot(page, "05-train-running")
    start = time.time()
    poll(lambda: progress_seen() and has_badge(page, "已完成") and not has_badge(page, "运行中"),
         JOB_TIMEOUT, 1.0, lambda: f"the training to finish (已完成); progress seen {sorted(seen)[-3:]}, "
                                   f"state {badges(page)}")
    wait_idle(page)
    text = main_text(page)
    assert "训练失败" not in text, text[-3000:]
    done = PROGRESS_RE.search(text)
    assert done, text[-3000:]
    total = int(done.group(2))
    assert total == 96 and all(n == total for _, n in seen), seen
    assert done.group(1) == done.group(2), done.group(0)  # all steps done, not the last logged one
    assert len({i for i, _ in seen}) >= 2 or time.time() - start < 5, seen  # it moved while we watched
    eta = text.split("预计剩余", 1)[1].strip().splitlines()[0].strip()
    assert eta == "–", eta  # nothing left to wait for
    assert_no_traceback(page)
    screenshot(page, "06-train-done")

    # ---- convert & merge: the merged model is checked by answering the identity question
    go(page, "转换与合并")
    click_button(page, "转换并合并")
    poll(lambda: has_badge(page, "已完成") or has_badge(page, "失败"), JOB_TIMEOUT, 1.0,
         "convert & merge to end")
    wait_idle(page)
    text = main_text(page)
    assert has_badge(page, "已完成"), text[-3000:]
    # the verify step asked the identity questions and says in words that the model has learnt
    assert "合并后的模型学会了" in text and "还没有学会" not in text, text[-3000:]
    # The page starts training as a person does, with no seed: the words a 4 M-parameter model gives
    # back after 96 steps vary with the seed (once 「我在这里帮助测试同学的小助手…」 instead of the
    # tutorial's 「我是测试同学的小助手…」), what it learnt does not: the answer it gave names the owner.
    assert f"说出了「{OWNER}」" in text, text[-3000:]
    assert_no_traceback(page)
    screenshot(page, "07-convert")

    # ---- chat: before and after, side by side
    chat_title = next((t for t in nav_titles(page) if "聊天" in t or "对比" in t), None)
    if chat_title:
        go(page, chat_title)
        box = page.get_by_placeholder("输入问题，两边的模型会同时回答")
        box.fill(QUESTION)
        box.press("Enter")
        cols = page.locator('[data-testid="stColumn"]').filter(
            has=page.locator('[data-testid="stChatMessage"]'))

        def answers() -> list[str] | None:
            if cols.count() != 2:
                return None
            texts = [cols.nth(i).locator('[data-testid="stChatMessage"]').last.inner_text() for i in range(2)]
            return texts if all("token" in t for t in texts) else None  # the speed line ends each answer

        before, after = poll(answers, 600, 1.0, "both answers")
        wait_idle(page, 120)
        assert cols.nth(0).inner_text().startswith("训练前") and cols.nth(1).inner_text().startswith("训练后")
        assert OWNER in after, after
        assert OWNER not in before, before
        assert_no_traceback(page)
        screenshot(page, "08-chat")
    else:
        missing.append("the chat compare page is not in app.py's navigation yet")

    # ---- home again: every step of the checklist is done
    go(page, "首页")
    checks = page.locator('[data-testid="stMain"] [data-testid="stColumn"]').filter(has_text="check_circle")
    assert checks.count() == 5, main_text(page)[:1500]
    screenshot(page, "09-home-all-done")

    if missing:
        pytest.xfail("; ".join(missing))
