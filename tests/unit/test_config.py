"""core.config on XTuner's own presets: read, render, only the intended lines change, mmengine loads the result.

Rendering and the line checks run for every preset × method × CPU combination (pure Python);
three of the rendered configs are also loaded by mmengine in subprocesses (a few seconds each,
two at a time).
"""

from __future__ import annotations

import ast
import difflib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core import config
from core.pyedit import Editor

INTERNLM2 = "internlm2_chat_1_8b_qlora_alpaca_e3"
LLAMA3 = "llama3_8b_instruct_qlora_alpaca_e3"
LLAMA2 = "llama2_7b_chat_qlora_alpaca_e3"
QWEN = "qwen1_5_1_8b_chat_qlora_alpaca_e3"
PRESETS = [INTERNLM2, LLAMA3, LLAMA2, QWEN]
DATASET = "/data/身份数据/assistant.json"
TRICKY_TEXT = '你是「小明同学」的小助手。\n第二行 "双引号" \'单引号\' 反斜杠\\ tab\t结束'


def settings_for(model: str) -> dict:
    return {
        "pretrained_model_name_or_path": model,
        "max_length": 512,
        "lr": 5e-3,
        "max_epochs": 2,
        "SYSTEM": TRICKY_TEXT,
        "evaluation_inputs": ["请介绍一下你自己", "Please introduce yourself", "你在实战营做什么？"],
    }


def expected_method(method: str, cpu: bool) -> str:
    # On a CPU there is no 4-bit: QLoRA becomes LoRA.
    return "lora" if (cpu and method == "qlora") else method


# ---------------------------------------------------------------- independent AST lookups


def _assign(tree: ast.Module, name: str) -> ast.Assign:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node
    raise AssertionError(f"no assignment of {name}")


def _kw(call: ast.AST, name: str) -> ast.keyword | None:
    if isinstance(call, ast.Call):
        for k in call.keywords:
            if k.arg == name:
                return k
    return None


def _lines(node: ast.AST) -> set[int]:
    """0-based line numbers a node spans."""
    return set(range(node.lineno - 1, node.end_lineno))


def allowed_changes(source: str, settings: dict, method: str, cpu: bool) -> tuple[set[int], dict[str, set[int]]]:
    """Original lines that may change, and per edit the lines that must change."""
    tree = ast.parse(source)
    must: dict[str, set[int]] = {}
    for name in settings:
        must[name] = _lines(_assign(tree, name))
    data_call = next(n.value for n in tree.body if isinstance(n, ast.Assign) and _kw(n.value, "dataset_map_fn"))
    must["dataset"] = _lines(_kw(data_call, "dataset"))
    must["dataset_map_fn"] = _lines(_kw(data_call, "dataset_map_fn"))
    model = _assign(tree, "model").value
    llm = _kw(model, "llm").value
    if method in ("lora", "full") or cpu:
        must["quantization_config"] = _lines(_kw(llm, "quantization_config"))
    if method == "full":
        must["lora"] = _lines(_kw(model, "lora"))
    if cpu:
        must["torch_dtype"] = _lines(_kw(llm, "torch_dtype"))
        optim = _assign(tree, "optim_wrapper").value
        for key in ("type", "loss_scale", "dtype"):
            must[f"optim.{key}"] = _lines(_kw(optim, key))
    allowed = set().union(*must.values())
    return allowed, must


def check_only_expected_lines_changed(source: str, rendered: str, settings: dict, method: str, cpu: bool) -> None:
    old, new = source.splitlines(keepends=True), rendered.splitlines(keepends=True)
    allowed, must = allowed_changes(source, settings, method, cpu)
    changed: set[int] = set()
    inserted: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed.update(range(i1, i2))
        if tag == "insert":
            inserted.extend(new[j1:j2])
    unexpected = sorted(changed - allowed)
    assert not unexpected, "lines changed outside the edited spans:\n" + "".join(old[i] for i in unexpected)
    for what, lines in must.items():
        assert lines & changed, f"{what} was not changed"
    if cpu:
        assert [line.strip() for line in inserted if line.strip()] == [
            "from mmengine.optim import OptimWrapper  # CPU: no mixed precision"]
    else:
        assert not inserted
    # Everything outside the edited spans is byte-identical, in order.
    kept_old = [line for i, line in enumerate(old) if i not in allowed]
    assert all(line in new for line in kept_old)


# ---------------------------------------------------------------- presets


def test_find_presets_lists_the_families():
    assert INTERNLM2 in config.find_presets("internlm2_chat_1_8b")
    assert LLAMA3 in config.find_presets("LLAMA3_8B")  # case-insensitive
    assert QWEN in config.find_presets("qwen1_5_1_8b")
    assert all("qlora" in n for n in config.find_presets("qlora_alpaca"))
    assert config.find_presets("no-such-preset-anywhere") == []
    with pytest.raises(ValueError):
        config.preset_source("no_such_preset")


@pytest.mark.parametrize("name", PRESETS)
def test_read_settings_method_and_dataset_variable(name):
    source = config.preset_source(name)
    values = config.read_settings(source)
    assert isinstance(values["pretrained_model_name_or_path"], str)
    assert isinstance(values["max_length"], int)
    assert isinstance(values["lr"], float)
    assert isinstance(values["evaluation_inputs"], list)
    assert isinstance(values["prompt_template"], config.Code)
    assert values["prompt_template"].source.startswith("PROMPT_TEMPLATE.")
    assert values["SYSTEM"] == config.Code("SYSTEM_TEMPLATE.alpaca")
    assert config.method_of(source) == "qlora"
    assert config.dataset_path_variable(source) == "alpaca_en_path"


def test_method_of_other_presets():
    assert config.method_of(config.preset_source("internlm2_chat_1_8b_full_alpaca_e3")) == "full"
    assert config.method_of(config.preset_source("minicpm_1b_lora_alpaca_zh_e3")) == "lora"
    assert config.dataset_path_variable(config.preset_source("minicpm_1b_lora_alpaca_zh_e3")) == "alpaca_zh_path"


# ---------------------------------------------------------------- rendering (no mmengine)


@pytest.mark.parametrize("name", [INTERNLM2, LLAMA3, QWEN])
@pytest.mark.parametrize("method", config.METHODS)
@pytest.mark.parametrize("cpu", [False, True])
def test_render_changes_only_the_edited_spans(name, method, cpu):
    source = config.preset_source(name)
    settings = settings_for(f"/models/{name}")
    rendered = config.render(source, settings, dataset_path=DATASET, method=method, cpu=cpu)
    compile(rendered, f"{name}.py", "exec")
    values = config.read_settings(rendered)
    for key, value in settings.items():
        assert values[key] == value, key
    assert values["alpaca_en_path"] == DATASET
    assert config.method_of(rendered) == expected_method(method, cpu)
    check_only_expected_lines_changed(source, rendered, {**settings, "alpaca_en_path": DATASET}, method, cpu)
    if expected_method(method, cpu) == method:
        # Rendering is stable: the same edits again change nothing more.
        again = config.render(rendered, settings, dataset_path=DATASET, method=method, cpu=cpu)
        assert again == rendered


def test_render_without_settings_only_applies_the_dataset_edits():
    source = config.preset_source(INTERNLM2)
    rendered = config.render(source)
    before, after = config.read_settings(source), config.read_settings(rendered)
    assert {k for k in before if before[k] != after[k]} == {"alpaca_en"}
    assert config.method_of(rendered) == "qlora"
    tree = ast.parse(source)
    data_call = _assign(tree, "alpaca_en").value
    spans = _lines(_kw(data_call, "dataset")) | _lines(_kw(data_call, "dataset_map_fn"))
    old, new = source.splitlines(keepends=True), rendered.splitlines(keepends=True)
    assert len(old) == len(new)
    assert {i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b} == spans


def test_render_refuses_unknown_settings_and_impossible_methods():
    source = config.preset_source(INTERNLM2)
    with pytest.raises(ValueError, match="no setting named 'no_such_setting'"):
        config.render(source, {"no_such_setting": 1})
    with pytest.raises(ValueError):
        config.render(source, method="qlora4")
    full = config.preset_source("internlm2_chat_1_8b_full_alpaca_e3")
    with pytest.raises(ValueError, match="4-bit"):
        config.render(full, method="qlora")
    with pytest.raises(ValueError, match="LoRA"):
        config.render(full, method="lora")
    assert config.method_of(config.render(full, method="full")) == "full"
    lora_only = config.preset_source("minicpm_1b_lora_alpaca_zh_e3")
    with pytest.raises(ValueError, match="4-bit"):
        config.render(lora_only, method="qlora")
    assert config.method_of(config.render(lora_only, method="full")) == "full"
    no_data_var = next(n for n in config.find_presets("moss_sft")
                       if config.dataset_path_variable(config.preset_source(n)) is None)
    with pytest.raises(ValueError, match="dataset path"):
        config.render(config.preset_source(no_data_var), dataset_path=DATASET)


def test_render_lora_precision_and_hook_options():
    source = config.preset_source(INTERNLM2)
    rendered = config.render(source, method="qlora", lora={"r": 8, "lora_alpha": 32},
                             precision="bf16", sample_max_new_tokens=77, activation_checkpointing=False)
    tree = ast.parse(rendered)
    model = _assign(tree, "model").value
    lora = _kw(model, "lora").value
    assert ast.literal_eval(_kw(lora, "r").value) == 8
    assert ast.literal_eval(_kw(lora, "lora_alpha").value) == 32
    assert ast.literal_eval(_kw(model, "use_activation_checkpointing").value) is False
    llm = _kw(model, "llm").value
    assert ast.unparse(_kw(llm, "torch_dtype").value) == "torch.bfloat16"
    quant = _kw(llm, "quantization_config").value
    assert ast.unparse(_kw(quant, "bnb_4bit_compute_dtype").value) == "torch.bfloat16"
    assert ast.literal_eval(_kw(_assign(tree, "optim_wrapper").value, "dtype").value) == "bfloat16"
    hooks = _assign(tree, "custom_hooks").value
    evaluate = next(h for h in hooks.elts if ast.unparse(_kw(h, "type").value) == "EvaluateChatHook")
    assert ast.literal_eval(_kw(evaluate, "max_new_tokens").value) == 77
    with pytest.raises(ValueError):
        config.render(source, precision="fp8")


def _half_hooks(text: str) -> list[ast.AST]:
    hooks = _assign(ast.parse(text), "custom_hooks").value
    return [h for h in hooks.elts if ast.unparse(_kw(h, "type").value) == config.HALF_HOOK]


def test_render_adds_and_removes_the_half_precision_hook():
    source = config.preset_source(INTERNLM2)
    plain = config.render(source, method="lora", precision="bf16")
    hooked = config.render(source, method="lora", precision="bf16", half_frozen_weights=True)
    assert not config.uses_app_hooks(plain) and not _half_hooks(plain)
    assert config.uses_app_hooks(hooked) and len(_half_hooks(hooked)) == 1
    assert config.HALF_HOOK_IMPORT in hooked
    # Every other line is untouched: the diff is the import and the list item.
    added = [line for line in difflib.ndiff(plain.splitlines(), hooked.splitlines()) if line[:2] in ("+ ", "- ")]
    assert len(added) == 2 and all(line.startswith("+ ") for line in added), added
    # Rendering again neither doubles it nor leaves traces when it is turned off.
    assert config.render(hooked, half_frozen_weights=True, precision="bf16") == hooked
    assert config.render(hooked, half_frozen_weights=False) == plain
    # Only LoRA in bf16 on a GPU, the case measured: not on a CPU, not without a precision, not
    # in fp16, not for QLoRA (its fp32 norms are on purpose) or full fine-tuning.
    for kw in (dict(method="lora", cpu=True), dict(method="lora"), dict(method="lora", precision="fp16"),
               dict(method="qlora", precision="bf16"), dict(method="full", precision="bf16")):
        assert not config.uses_app_hooks(config.render(source, half_frozen_weights=True, **kw)), kw
    # Re-rendering a saved LoRA config (method read from it) keeps the hook.
    assert config.uses_app_hooks(config.render(plain, half_frozen_weights=True, precision="bf16"))


@pytest.mark.parametrize("source", [
    "import torch  # keep me\nfrom x import y  # and me\n\ncustom_hooks = [dict(type=A)]\n",
    "import torch\n\ncustom_hooks = [\n    dict(type=A),\n    dict(\n        type=B,\n    ),\n]\n",
    "import torch\n\ncustom_hooks = []\n",
])
def test_half_hook_added_and_removed_exactly_in_any_list_layout(source):
    ed = Editor(source)
    config._set_half_frozen_weights(ed, True)
    hooked = ed.result()
    ast.parse(hooked)
    assert config.uses_app_hooks(hooked) and len(_half_hooks(hooked)) == 1
    if "# and me" in source:  # a comment after the last import stays on its own line
        assert "# and me" in hooked.split(config.HALF_HOOK_IMPORT)[0]
    ed = Editor(hooked)
    config._set_half_frozen_weights(ed, False)
    assert ed.result() == source


def test_config_with_the_hook_loads_with_mmengine(tmp_path):
    """The app's own check of a saved config (mmengine in a fresh process) finds the hook's module."""
    text = config.render(config.preset_source(INTERNLM2), method="lora", precision="bf16", half_frozen_weights=True)
    path = tmp_path / "hooked.py"
    path.write_text(text, encoding="utf-8")
    values, output = config.load_with_mmengine(path, ["custom_hooks"])
    assert values is not None, output
    assert "HalfPrecisionFrozenWeights" in str(values["custom_hooks"])


def test_config_summary_of_the_tutorial_config():
    rendered = config.tutorial_config("/models/我的模型", DATASET, cpu=True, demo=True)
    summary = config.config_summary(rendered)
    assert summary["model"] == "/models/我的模型"
    assert summary["dataset"] == DATASET
    assert summary["template"] == "internlm2_chat"
    assert summary["system"] == ""
    assert summary["method"] == "lora"
    assert summary["max_length"] == config.DEMO_SETTINGS["max_length"]
    assert summary["batch_size"] == config.DEMO_SETTINGS["batch_size"]
    assert summary["max_epochs"] == config.DEMO_SETTINGS["max_epochs"]
    assert summary["evaluation_inputs"] == config.IDENTITY_QUESTIONS
    plain = config.config_summary(config.preset_source(QWEN))
    assert plain["template"] == "qwen_chat" and plain["method"] == "qlora"
    assert plain["system"] is None  # SYSTEM_TEMPLATE.alpaca is code, not text
    assert plain["dataset"] == "tatsu-lab/alpaca"


# ---------------------------------------------------------------- loaded by mmengine

LOAD_CASES = [
    (INTERNLM2, "qlora", False),
    (LLAMA3, "lora", True),
    (QWEN, "full", True),
]
LOAD_KEYS = ["pretrained_model_name_or_path", "alpaca_en_path", "max_length", "lr", "max_epochs", "SYSTEM",
             "evaluation_inputs", "model", "alpaca_en", "optim_wrapper"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("configs")

    def one(case):
        name, method, cpu = case
        path = folder / f"{name}_{method}_{'cpu' if cpu else 'gpu'}.py"
        path.write_text(config.render(config.preset_source(name), settings_for(f"/models/{name}"),
                                      dataset_path=DATASET, method=method, cpu=cpu), encoding="utf-8")
        return config.load_with_mmengine(path, LOAD_KEYS)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(LOAD_CASES, pool.map(one, LOAD_CASES), strict=True))


@pytest.mark.parametrize("case", LOAD_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{'cpu' if c[2] else 'gpu'}")
def test_mmengine_loads_the_values_set(loaded, case):
    name, method, cpu = case
    values, output = loaded[case]
    assert values is not None, output[-3000:]
    for key, value in settings_for(f"/models/{name}").items():
        assert values[key] == value, key
    assert values["alpaca_en_path"] == DATASET
    model, data, optim = values["model"], values["alpaca_en"], values["optim_wrapper"]
    assert "'data_files': {'train': '" + DATASET + "'}" in data
    assert "'dataset_map_fn': None" in data
    if expected_method(method, cpu) == "qlora":
        assert "'load_in_4bit': True" in model
    else:
        assert "'quantization_config': None" in model
    assert ("'lora': None" in model) == (method == "full")
    assert ("'type': OptimWrapper" in optim) == cpu
    assert ("'type': AmpOptimWrapper" in optim) == (not cpu)
    assert ("'torch_dtype': float32" in model) == cpu


def test_mmengine_reports_a_broken_config(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("max_length = (\n", encoding="utf-8")
    values, output = config.load_with_mmengine(path, ["max_length"])
    assert values is None
    assert "SyntaxError" in output or "Error" in output


@pytest.fixture(autouse=True)
def _no_stray_writes():
    """Rendering must never touch XTuner's own preset files."""
    before = {n: Path(p).stat().st_mtime_ns for n, p in config.presets().items() if n in PRESETS}
    yield
    after = {n: Path(p).stat().st_mtime_ns for n, p in config.presets().items() if n in PRESETS}
    assert before == after


def test_every_preset_gives_a_config_or_a_reason():
    """Over a fifth of XTuner's presets (every 5th, all families): the tutorial edits either apply
    (settings a preset lacks are skipped) or fail with a RenderError the page can word."""
    names = sorted(config.presets())[::5]
    codes = set()
    for name in names:
        try:
            text = config.tutorial_config("/models/m", DATASET, preset=name, cpu=True, demo=True)
        except config.RenderError as exc:
            codes.add(exc.code)
            continue
        ast.parse(text)
        assert repr(DATASET) in text or f"'{DATASET}'" in text, name  # pointed at the dataset file
    assert codes <= {"no_dataset_var", "no_setting", "no_4bit", "no_lora"}
