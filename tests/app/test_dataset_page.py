"""The dataset page, headless: fill the form, import by path, save, restore, check with XTuner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import config, dataset, general_library, identity, learning, record_store
from core.workspace import Workspace
from ui.keys import Dataset as K

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "dataset.py")


@pytest.fixture()
def page_ws(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.setenv("ASSISTANT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    return Workspace.resolve(tmp_path / "ws")


def _run() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _problem_rows(at: AppTest) -> list[str]:
    """The problems listed as sentences ("- 第 2 行：… — `content`", markdown-escaped)."""
    rows = []
    for md in at.markdown:
        for line in md.value.splitlines():
            if line.startswith("- "):
                rows.append(re.sub(r"\\(.)", r"\1", line[2:].split(" — `", 1)[0]))
    return rows


def _saved(ws: Workspace) -> list[dict]:
    return json.loads(ws.dataset_path.read_text(encoding="utf-8"))


def test_fresh_workspace_asks_for_the_owner_first(page_ws):
    at = _run()
    assert any("主人的名字" in s for s in _texts(at.info))
    assert at.button(key="dataset.save").disabled
    at.button(key="dataset.add_builtin").click().run()  # general conversations alone make no dataset yet
    assert not at.exception
    assert any(s.startswith("还没有数据集：先在第 1 步填写主人的名字") for s in _texts(at.info)), _texts(at.info)
    assert at.button(key="dataset.save").disabled
    assert not page_ws.dataset_path.exists()


def test_the_form_builds_the_library_table_and_save_writes_it(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.text_input(key="dataset.name").set_value("小智").run()
    at.number_input(key="dataset.repeat").set_value(3).run()
    assert not at.exception
    rows = identity.library_rows(identity.Identity("小明", "小智"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["条数"] == f"{3 * len(rows):,}" and metrics["不重复的记录"] == str(len(rows))
    # the table's caption counts the same questions (the chosen language's, not both languages')
    assert any(f"内置 {len(rows)} 种问法" in c.value for c in at.caption), [c.value for c in at.caption]
    assert any("都在讲身份" in w for w in _texts(at.warning))  # identity-only, nothing mixed in
    at.button(key="dataset.save").click().run()
    assert not at.exception
    saved = _saved(page_ws)
    assert saved == dataset.records_from_rows(rows, repeat=3)
    assert saved[0]["conversation"][0]["output"].startswith("我是小智，小明的小助手")
    state, _ = dataset.load_builder(page_ws.dataset_path)
    assert state["dataset.owner"] == "小明" and len(state["rows"]) == len(rows)
    # a new session (browser reload) gets the same form and table back from disk
    again = _run()
    assert again.text_input(key="dataset.owner").value == "小明"
    assert {m.label: m.value for m in again.metric}["条数"] == f"{3 * len(rows):,}"


def test_tutorial_mode_is_exactly_the_tutorial_with_its_warning(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明同学").run()
    at.radio(key="dataset.mode").set_value("tutorial").run()
    assert at.number_input(key="dataset.tutorial_n").value == dataset.TUTORIAL_N
    assert any("过拟合" in w for w in _texts(at.warning))
    at.number_input(key="dataset.tutorial_n").set_value(10).run()
    at.button(key="dataset.save").click().run()
    assert not at.exception
    assert _saved(page_ws) == dataset.tutorial_records("小明同学", 10)


def test_import_by_path_shows_bad_rows_and_keeps_only_valid_ones_on_request(page_ws, tmp_path):
    general = [{"instruction": f"general question {i}", "input": "", "output": f"general answer {i}"}
               for i in range(40)]
    general[11]["output"] = ""  # record 12: the answer is empty
    src = tmp_path / "alpaca.json"
    src.write_text(json.dumps(general), encoding="utf-8")
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.number_input(key="dataset.repeat").set_value(1).run()
    at.text_input(key="dataset.import_path").set_value(str(src)).run()
    at.button(key="dataset.read_path").click().run()
    assert not at.exception
    assert any("1 条不能用" in e for e in _texts(at.error))
    assert _problem_rows(at) == ["第 12 条：回答（output）是空的"]
    assert at.radio(key="dataset.import_target").value == "general"
    assert at.button(key="dataset.import_confirm").label == "只导入可用的 39 条"
    at.button(key="dataset.import_confirm").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == "39"
    at.slider(key="dataset.share").set_value(25).run()
    at.button(key="dataset.save").click().run()
    saved = _saved(page_ws)
    n_id = len(identity.library_rows(identity.Identity("小明")))
    assert len(saved) == n_id + round(n_id * 0.25 / 0.75)
    assert all(r["conversation"][0]["output"] != "" for r in saved)
    assert dataset.load_builder(page_ws.dataset_path)[1] and len(dataset.load_builder(page_ws.dataset_path)[1]) == 39


def test_an_import_kept_on_disk_is_added_built_saved_and_read_back_like_a_small_one(page_ws, tmp_path, monkeypatch):
    """Every record store spills to a temporary file at once here, as a 150 MB import's does."""
    monkeypatch.setattr(record_store, "SPILL", 0)
    general = [{"instruction": f"普通问题 {i}", "input": "", "output": f"回答 {i}"} for i in range(300)]
    src = tmp_path / "alpaca.json"
    src.write_text(json.dumps(general, ensure_ascii=False), encoding="utf-8")
    want = [{"conversation": [{"input": r["instruction"], "output": r["output"]}]} for r in general]
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.text_input(key="dataset.import_path").set_value(str(src)).run()
    at.button(key="dataset.read_path").click().run()
    at.button(key="dataset.import_confirm").click().run()
    assert not at.exception
    pool = at.session_state[K.GENERAL]
    assert isinstance(pool, record_store.Records) and pool.on_disk and pool == want
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == "300"
    at.button(key="dataset.clear_rows").click().run()  # no question table: the dataset is the import alone
    assert {m.label: m.value for m in at.metric}["条数"] == "300"
    at.button(key="dataset.save").click().run()
    assert not at.exception
    assert _saved(page_ws) == want
    assert page_ws.dataset_path.read_text(encoding="utf-8") == dataset.dumps(want)
    again = _run()  # a new session reads the pool back from disk
    assert {m.label: m.value for m in again.metric}["已导入的普通对话"] == "300"
    assert again.session_state[K.GENERAL] == want


def test_builtin_general_conversations_follow_the_languages_and_are_added_once(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    zh = general_library.general_records("zh")
    assert at.button(key="dataset.add_builtin").label == f"加入内置的普通对话（{len(zh)} 条）"
    at.button(key="dataset.add_builtin").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == str(len(zh))
    assert any(str(len(zh)) in s for s in _texts(at.success))
    at.button(key="dataset.add_builtin").click().run()  # again: nothing doubled
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == str(len(zh))
    assert any("已经都在" in s for s in _texts(at.info))
    at.radio(key="dataset.langs").set_value("both").run()  # English too: only the English ones are new
    at.button(key="dataset.add_builtin").click().run()
    both = general_library.general_records("both")
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == str(len(both))
    at.slider(key="dataset.share").set_value(50).run()
    at.button(key="dataset.save").click().run()
    assert not at.exception
    saved = _saved(page_ws)
    general_in = [r for r in saved if r in both]
    n_identity = len(saved) - len(general_in)
    assert n_identity > 0 and len(general_in) == min(n_identity, len(both))  # 50 %: as many as identity records


def test_cancel_leaves_everything_as_it_was(page_ws, tmp_path):
    src = tmp_path / "g.jsonl"
    src.write_text(json.dumps({"conversation": [{"input": "q", "output": "a"}]}) + "\n", encoding="utf-8")
    at = _run()
    at.text_input(key="dataset.import_path").set_value(str(src)).run()
    at.button(key="dataset.read_path").click().run()
    at.button(key="dataset.import_cancel").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == "0"
    assert not any(b.key == "dataset.import_confirm" for b in at.button)


def test_an_unreadable_file_changes_nothing(page_ws, tmp_path):
    dataset.save(page_ws.dataset_path, dataset.tutorial_records("小明", 1))
    before = page_ws.dataset_path.read_bytes()
    junk = tmp_path / "junk.json"
    junk.write_bytes(bytes(range(256)) * 10)
    at = _run()
    at.text_input(key="dataset.import_path").set_value(str(junk)).run()
    at.button(key="dataset.read_path").click().run()
    assert not at.exception
    assert any("读不了 junk.json" in e and "不是文本文件（看起来是二进制数据）" in e for e in _texts(at.error))
    assert not any(b.key == "dataset.import_confirm" for b in at.button)
    at.button(key="dataset.import_dismiss").click().run()
    assert not any("junk.json" in e for e in _texts(at.error))
    assert page_ws.dataset_path.read_bytes() == before


def test_identity_file_goes_into_the_table_with_placeholders_filled(page_ws, tmp_path):
    src = tmp_path / "identity.json"
    src.write_text(json.dumps([{"instruction": "hi", "input": "", "output": "I am {{name}}, made by {{author}}."}]),
                   encoding="utf-8")
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.text_input(key="dataset.name").set_value("小智").run()
    at.number_input(key="dataset.repeat").set_value(1).run()
    at.text_input(key="dataset.import_path").set_value(str(src)).run()
    at.button(key="dataset.read_path").click().run()
    assert at.radio(key="dataset.import_target").value == "qa"
    at.button(key="dataset.import_confirm").click().run()
    assert not at.exception
    assert any("已把 1 条导入到身份问答表" in s for s in _texts(at.success))
    at.button(key="dataset.save").click().run()
    saved = _saved(page_ws)
    assert saved[-1] == {"conversation": [{"input": "hi", "output": "I am 小智, made by 小明."}]}
    assert len(saved) == len(identity.library_rows(identity.Identity("小明", "小智"))) + 1


def test_csv_with_unknown_columns_is_mapped_by_hand(page_ws, tmp_path):
    src = tmp_path / "odd.csv"
    src.write_text("left,right\nq1,a1\nq2,a2\n", encoding="utf-8")
    at = _run()
    at.text_input(key="dataset.import_path").set_value(str(src)).run()
    at.button(key="dataset.read_path").click().run()
    assert any("left, right" in w for w in _texts(at.warning))
    at.selectbox(key="dataset.map_question").set_value("left").run()
    at.selectbox(key="dataset.map_answer").set_value("right").run()
    at.button(key="dataset.apply_mapping").click().run()
    assert not at.exception
    at.button(key="dataset.import_confirm").click().run()
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == "2"


def test_rows_with_problems_block_saving(page_ws):
    rows = [{"question": "你是谁", "answer": "我是小明的小助手"}, {"question": "你好", "answer": ""}]
    dataset.save_builder(page_ws.dataset_path, {"dataset.owner": "小明", "rows": rows,
                                                "rows_for": ["小明", "", "", "", "zh"]})
    at = _run()
    assert _problem_rows(at) == ["第 2 行：回答是空的"]
    at.button(key="dataset.save").click().run()
    assert not at.exception
    assert any("没有保存" in e for e in _texts(at.error))
    assert not page_ws.dataset_path.exists()


def test_restore_an_earlier_version(page_ws):
    first = dataset.tutorial_records("小明", 1)
    dataset.save(page_ws.dataset_path, first)
    dataset.save(page_ws.dataset_path, dataset.tutorial_records("小红", 1))
    at = _run()
    assert at.selectbox(key="dataset.version").options
    at.button(key="dataset.restore").click().run()
    assert not at.exception
    assert _saved(page_ws) == first
    assert any("已恢复" in s for s in _texts(at.success))
    assert len(dataset.versions(page_ws.dataset_path)) == 2


def test_english_page(page_ws):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["app.lang"] = "en"
    at.run()
    at.text_input(key="dataset.owner").set_value("Alex").run()
    assert not at.exception
    assert at.title[0].value == "Dataset"
    assert any("copies of others" in w for w in _texts(at.warning))


def test_tokens_iterations_and_xtuners_own_check(page_ws, demo_model):
    page_ws.update_settings(base_model=str(demo_model))
    at = _run()
    assert any("保存好的配置" in i for i in _texts(at.info))  # no config yet: the check explains what is missing
    text = config.tutorial_config(str(demo_model), str(page_ws.dataset_path), cpu=True, demo=True)
    (page_ws.configs_dir / "demo_copy.py").write_text(text, encoding="utf-8")
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.number_input(key="dataset.repeat").set_value(2).run()
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["最短（token）"]) > 0 and int(metrics["最长（token）"]) <= 256
    per_epoch, total = (int(metrics[k].replace(",", "")) for k in ("每轮步数", "总步数"))
    assert total == 3 * per_epoch and per_epoch == int(metrics["打包后的样本"]) >= 32  # batch 1, 1 GPU
    assert metrics["预计训练时间"] == "–"  # no finished run to measure a speed yet
    assert any("demo_copy.py" in c and "max_length 256" in c for c in _texts(at.caption))
    at.button(key="dataset.save").click().run()
    at.button(key="dataset.check").click().run(timeout=600)
    assert not at.exception
    assert any("XTuner 能正确读取" in s for s in _texts(at.success)), _texts(at.code)[-1][-2000:]
    assert "input_ids" in at.code[-1].value


def test_the_share_under_the_slider_and_in_the_check_are_the_same_number(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.button(key="dataset.add_builtin").click().run()
    assert not at.exception
    general = len(general_library.general_records("zh"))
    records = 100 * identity.library_size("zh") + general  # 100 repeats: far more than the general ones
    got = f"{general / records:.0%}"
    assert f"目标 50%，数据集里实际是 {got}：普通对话不够，已经全部用上。" in _texts(at.caption), _texts(at.caption)
    assert {m.label: m.value for m in at.metric}["普通对话占比"] == got
    at.number_input(key="dataset.repeat").set_value(1).run()  # now there are enough: the target is met
    assert {m.label: m.value for m in at.metric}["普通对话占比"] == "50%"
    assert "目标 50%，数据集里实际是 50%。" in _texts(at.caption)
    at.button(key="dataset.clear_rows").click().run()  # no identity questions: every general one goes in
    assert "还没有身份问答：普通对话全部放进数据集。" in _texts(at.caption)
    assert {m.label: m.value for m in at.metric}["普通对话占比"] == "100%"


def test_estimated_time_uses_the_newest_succeeded_runs_speed(page_ws, demo_model):
    from core.workspace import atomic_write_json

    page_ws.update_settings(base_model=str(demo_model))
    run = page_ws.runs_dir / "20250101-000000-train"
    vis = run / "work_dir" / "20250101_000000" / "vis_data"
    vis.mkdir(parents=True)
    atomic_write_json(run / "job.json", {"kind": "train", "started": 1.0,
                                         "meta": {"max_length": 2048, "batch_size": 1}})
    atomic_write_json(run / "exit.json", {"exit_code": 0, "finished": 2.0})
    (vis / "scalars.json").write_text("".join(json.dumps({"time": t, "iter": i}) + "\n"
                                              for i, t in enumerate([0.4, 0.5, 3.0], 1)))
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    metrics = {m.label: m.value for m in at.metric}
    total = int(metrics["总步数"].removeprefix("约 ").replace(",", ""))
    assert metrics["预计训练时间"] == f"{total * 0.5 / 60:,.1f} 分钟"  # median s/iteration, not the mean
    assert any("20250101-000000-train" in c for c in _texts(at.caption))


def _records_metric(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["条数"]


def _saved_line(at: AppTest) -> str:
    return next(s for s in _texts(at.success) if "格式正确" in s)


def test_restoring_a_version_brings_every_section_to_it(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.number_input(key="dataset.repeat").set_value(3).run()
    at.button(key="dataset.save").click().run()
    small = _saved(page_ws)
    at.number_input(key="dataset.repeat").set_value(20).run()
    at.text_input(key="dataset.name").set_value("小智").run()
    at.button(key="dataset.save").click().run()
    assert not at.exception and len(_saved(page_ws)) == 20 * len(small) // 3
    at.button(key="dataset.restore").click().run()
    assert not at.exception
    assert _saved(page_ws) == small
    # section 4 (built from the form), the form itself and section 6 (the file) agree
    assert _records_metric(at) == f"{len(small):,}"
    assert f"{len(small):,} 条" in _saved_line(at)
    assert at.number_input(key="dataset.repeat").value == 3 and at.text_input(key="dataset.name").value == ""
    assert any("保存这个版本时的内容" in s for s in _texts(at.success))
    # saving right after the restore writes the same records: nothing is overwritten with a stale form
    at.button(key="dataset.save").click().run()
    assert not at.exception and _saved(page_ws) == small
    assert not any("被改过了" in w for w in _texts(at.warning))
    # a reload (new session) shows the restored inputs too
    assert _records_metric(_run()) == f"{len(small):,}"


def test_a_version_saved_without_its_form_is_read_back_from_the_file(page_ws):
    rows = [{"question": "你是谁", "answer": "我是小明的小助手"}, {"question": "你的主人是谁", "answer": "小明"}]
    general = general_library.general_records("zh")[:7]
    old = dataset.mix(dataset.records_from_rows(rows, 4), general, 0.5).records
    dataset.save(page_ws.dataset_path, old)  # written without the page: no form kept with it
    dataset.save(page_ws.dataset_path, dataset.tutorial_records("小红", 1))
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.button(key="dataset.restore").click().run()
    assert not at.exception and _saved(page_ws) == old
    assert _records_metric(at) == f"{len(old):,}" and f"{len(old):,} 条" in _saved_line(at)
    assert at.number_input(key="dataset.repeat").value == 4
    assert {m.label: m.value for m in at.metric}["已导入的普通对话"] == "7"
    assert any("从文件里的记录读回来" in s for s in _texts(at.success))


def test_saving_over_a_file_changed_since_the_page_read_it_asks_first(page_ws):
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.number_input(key="dataset.repeat").set_value(2).run()
    at.button(key="dataset.save").click().run()
    mine = _saved(page_ws)
    other = dataset.tutorial_records("小红", 3)
    dataset.save(page_ws.dataset_path, other)  # another tab saved (or restored) meanwhile
    at.button(key="dataset.save").click().run()
    assert not at.exception
    assert _saved(page_ws) == other  # nothing overwritten yet
    assert any("被改过了" in w for w in _texts(at.warning))
    at.button(key="dataset.save_cancel").click().run()
    assert _saved(page_ws) == other and not any("被改过了" in w for w in _texts(at.warning))
    # "save anyway" writes the page's data and keeps the file's as a version
    at.button(key="dataset.save").click().run()
    at.button(key="dataset.save_anyway").click().run()
    assert not at.exception and _saved(page_ws) == mine
    kept = [json.loads(v.read_text(encoding="utf-8")) for v in dataset.versions(page_ws.dataset_path)]
    assert other in kept
    # changed again: "show the file's data" puts it into the form instead, and writes nothing
    dataset.save(page_ws.dataset_path, other)
    at.button(key="dataset.save").click().run()
    at.button(key="dataset.show_disk").click().run()
    assert not at.exception and _saved(page_ws) == other
    assert at.radio(key="dataset.mode").value == "tutorial" and _records_metric(at) == f"{len(other):,}"
    assert at.text_input(key="dataset.owner").value == "小红"


def test_the_step_advice_for_the_demo_model_warns_below_the_measured_run(page_ws, demo_model):
    page_ws.update_settings(base_model=str(demo_model))  # no config saved: the demo's starting settings
    at = _run()
    at.text_input(key="dataset.owner").set_value("小明").run()
    at.button(key="dataset.add_builtin").click().run()
    at.number_input(key="dataset.repeat").set_value(3).run()  # the setting: no other warning
    assert not at.exception
    total = int({m.label: m.value for m in at.metric}["总步数"].removeprefix("约 ").replace(",", ""))
    assert total < learning.DEMO_STEPS_LEARNT
    said = [w.value for w in at.warning if "多半学不会" in w.value]
    assert said and f"只有 {total} 步" in said[0] and str(learning.DEMO_STEPS_LEARNT) in said[0], said
    at.number_input(key="dataset.repeat").set_value(100).run()  # the page's default
    assert not [w.value for w in at.warning if "多半学不会" in w.value]
    assert any("够了" in i.value for i in at.info), [i.value for i in at.info]
