"""All user-facing strings, in Chinese (default) and English, through one function ``t``.

Shared strings live here; each page's own strings live in ``ui/text/<page>.py``.
"""

from __future__ import annotations

import os

import streamlit as st

from ui.keys import App

LANGS = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    # shell
    "app.title": {"zh": "小助手工作室", "en": "Assistant Studio"},
    "app.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "app.workspace": {"zh": "工作区", "en": "Workspace"},
    "app.password": {"zh": "密码", "en": "Password"},
    "app.login": {"zh": "登录", "en": "Log in"},
    "app.login_help": {"zh": "这台机器上的小助手工作室设置了密码。", "en": "Assistant Studio on this machine is protected by a password."},
    "app.wrong_password": {"zh": "密码不对，请再试一次。", "en": "Wrong password, try again."},
    "nav.home": {"zh": "首页", "en": "Home"},
    # home
    "home.intro": {
        "zh": "把一个小模型微调成**你自己的小助手**：它知道自己叫什么、属于谁，其他问题照样答得好。"
              "按下面的步骤走，不用写代码。",
        "en": "Turn a small chat model into **your own assistant**: it knows its name and who it belongs to, "
              "and still answers everything else well. Follow the steps below; no programming needed.",
    },
    "home.steps": {"zh": "进度", "en": "Progress"},
    "step.dataset": {"zh": "数据集", "en": "Dataset"},
    "step.config": {"zh": "配置", "en": "Config"},
    "step.trained": {"zh": "已训练", "en": "Trained"},
    "step.converted": {"zh": "已转换", "en": "Converted"},
    "step.merged": {"zh": "已合并", "en": "Merged"},
    "home.model": {"zh": "基础模型", "en": "Base model"},
    "home.model_help": {
        "zh": "模型文件夹的路径（里面要有 config.json、权重和分词器文件），例如 internlm2-chat-1_8b。",
        "en": "Path of a model folder (with config.json, weights and tokenizer files), e.g. internlm2-chat-1_8b.",
    },
    "home.model_path": {"zh": "模型文件夹", "en": "Model folder"},
    "home.use_model": {"zh": "使用这个模型", "en": "Use this model"},
    "home.make_demo": {"zh": "生成并使用演示模型（离线、CPU 可用）", "en": "Make and use the demo model (offline, runs on CPU)"},
    "home.making_demo": {"zh": "正在生成演示模型…", "en": "Making the demo model…"},
    "home.demo_ready": {"zh": "演示模型已就绪：{path}", "en": "The demo model is ready: {path}"},
    "home.model_selected": {"zh": "当前基础模型：`{path}`", "en": "Current base model: `{path}`"},
    "home.no_model": {"zh": "还没有选择基础模型。输入一个模型文件夹，或者生成演示模型。",
                      "en": "No base model chosen yet. Enter a model folder, or make the demo model."},
    "home.demo_note": {"zh": "演示模型是一个随机初始化的小模型，训练前只会胡言乱语；它让整个流程在没有 GPU、没有网络的机器上也能跑通。",
                       "en": "The demo model is a tiny random model: before training it only babbles. It lets the whole flow run on a machine with no GPU and no internet."},
    "model.err.empty": {"zh": "请输入模型文件夹的路径。", "en": "Enter the path of a model folder."},
    "model.err.missing": {"zh": "找不到文件夹 `{path}`。", "en": "There is no folder `{path}`."},
    "model.err.not_dir": {"zh": "`{path}` 是一个文件，不是文件夹。", "en": "`{path}` is a file, not a folder."},
    "model.err.no_config": {"zh": "`{path}` 里没有 config.json，它不是一个模型文件夹。", "en": "`{path}` has no config.json; it is not a model folder."},
    "model.err.no_tokenizer": {"zh": "`{path}` 里没有分词器文件（tokenizer.json / tokenizer.model / tokenizer_config.json）。",
                               "en": "`{path}` has no tokenizer files (tokenizer.json / tokenizer.model / tokenizer_config.json)."},
    "model.err.no_weights": {"zh": "`{path}` 里没有模型权重（*.safetensors 或 *.bin）。", "en": "`{path}` has no weights (*.safetensors or *.bin)."},
    # system check
    "sys.title": {"zh": "系统检查", "en": "System check"},
    "sys.gpu": {"zh": "GPU", "en": "GPU"},
    "sys.no_gpu": {"zh": "没有 GPU", "en": "No GPU"},
    "sys.gpu_line": {"zh": "{name}：空闲 {free} / 共 {total}", "en": "{name}: {free} free of {total}"},
    "sys.ram": {"zh": "内存", "en": "RAM"},
    "sys.disk": {"zh": "磁盘（工作区）", "en": "Disk (workspace)"},
    "sys.free_of": {"zh": "空闲 {free} / 共 {total}", "en": "{free} free of {total}"},
    "sys.versions": {"zh": "软件版本", "en": "Versions"},
    "sys.not_installed": {"zh": "未安装", "en": "not installed"},
    "sys.checking_gpu": {"zh": "正在检查 GPU…", "en": "Checking the GPUs…"},
    "sys.refresh": {"zh": "重新检查", "en": "Check again"},
    "warn.no_gpu": {"zh": "没有检测到 GPU：可以用演示模型在 CPU 上体验全流程；QLoRA 和真实大小的模型需要 GPU。",
                    "en": "No GPU found: you can try the whole flow on CPU with the demo model; QLoRA and real-size models need a GPU."},
    "warn.low_disk": {"zh": "工作区所在磁盘剩余不到 10 GB，合并模型时可能写满。", "en": "Less than 10 GB free on the workspace disk; merging a model may fill it."},
    "warn.low_ram": {"zh": "可用内存不到 4 GB，加载模型可能失败。", "en": "Less than 4 GB of RAM available; loading a model may fail."},
    "warn.missing": {"zh": "缺少 {name}：请重新运行 ./run.sh 安装。", "en": "{name} is missing: run ./run.sh again to install it."},
    # the file uploader's own words (drawn over Streamlit's English, see ui/uploader.py)
    "uploader.button": {"zh": "选择文件", "en": "Upload"},
    "uploader.limit": {"zh": "每个文件最大 {limit} MB", "en": "{limit} MB per file"},
    "uploader.drop": {"zh": "松开鼠标，上传这个文件", "en": "Drop the file here"},
    # charts (ui/charts.py)
    "chart.step": {"zh": "步", "en": "Step"},
    "chart.value": {"zh": "值", "en": "Value"},
    "chart.one_point": {"zh": "第 {step} 步：{value}（有两个点后才画图）", "en": "Step {step}: {value} (a chart needs two points)"},
    # failures explained
    "fail.oom": {"zh": "GPU 显存不够（CUDA out of memory）。请减小 max_length 或 batch_size，改用 QLoRA，或关掉占用 GPU 的其他程序。",
                 "en": "The GPU ran out of memory. Lower max_length or batch_size, use QLoRA, or free the GPU from other programs."},
    "fail.disk_full": {"zh": "磁盘写满了。请删除不需要的运行或模型，再试一次。", "en": "The disk is full. Delete runs or models you no longer need, then try again."},
    "fail.model_path": {"zh": "找不到模型文件夹，或里面缺文件。请在首页检查基础模型的路径。",
                        "en": "The model folder was not found or is incomplete. Check the base model path on the home page."},
    "fail.no_gpu": {"zh": "这一步需要 GPU（QLoRA 的 4-bit 量化只能在 CUDA 上运行）。没有 GPU 时请选择 LoRA。",
                    "en": "This step needs a GPU (QLoRA's 4-bit quantization runs only on CUDA). Without a GPU, choose LoRA."},
    "fail.bitsandbytes": {"zh": "bitsandbytes 出错。请重新运行 ./run.sh 安装依赖；没有 GPU 时请选择 LoRA。",
                          "en": "bitsandbytes failed. Run ./run.sh again to reinstall; without a GPU, choose LoRA."},
    "fail.tokenize_workers": {
        "zh": "准备数据时，分词的子进程出错退出了（常见于模型自带的分词器代码在子进程里加载不了）。"
              "点「用 1 个进程重试」：数据准备会慢一些，但不会再出这个错。",
        "en": "The processes that tokenize the data died while preparing it (usually the model's own "
              "tokenizer code could not be loaded in them). Click \"Retry with 1 process\": preparing "
              "the data takes longer, but this error does not come back.",
    },
    "fail.dataset": {"zh": "数据集读不了或格式不对。请在数据集页面检查并重新保存。",
                     "en": "The dataset could not be read or has the wrong format. Check it on the dataset page and save it again."},
    "fail.warmup": {"zh": "预热太短：warmup_ratio × 训练步数不到 1 步（常见于数据很少、只训 1 轮或多卡时）。请在配置页把预热比例设为 0，或调大一些再保存。",
                    "en": "The warmup is too short: warmup_ratio × the iterations is less than one (common with little data, one epoch or several GPUs). On the Config page set the warmup ratio to 0, or larger, and save again."},
    "fail.killed": {"zh": "进程被系统杀掉了，通常是内存不够。请减小 max_length 或 batch_size。",
                    "en": "The process was killed by the system, usually for lack of memory. Lower max_length or batch_size."},
}


def _load_page_strings() -> None:
    """Merge ``STRINGS`` of every module in ``ui/text``; a key defined twice is an error."""
    import importlib
    import pkgutil

    import ui.text

    for info in pkgutil.iter_modules(ui.text.__path__):
        module = importlib.import_module(f"ui.text.{info.name}")
        for key, entry in getattr(module, "STRINGS", {}).items():
            if key in STRINGS:
                raise KeyError(f"string {key!r} is defined twice (ui/text/{info.name}.py)")
            STRINGS[key] = entry


_load_page_strings()


def lang() -> str:
    value = st.session_state.get(App.LANG, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


# Set (to anything but "" or "0") by the tests: a missing string then raises instead of showing its key.
STRICT_ENV = "ASSISTANT_STUDIO_STRICT_STRINGS"


class MissingString(KeyError):
    """``t()`` was asked for a key that has no string (raised only under :data:`STRICT_ENV`)."""


def t(key: str, /, **values: object) -> str:
    """The string ``key`` in the current language, with ``{placeholders}`` filled.

    ``key`` is positional-only, so a placeholder may be called ``key`` too. A missing key shows
    as the key itself, or raises :class:`MissingString` under tests."""
    entry = STRINGS.get(key)
    if entry is None:
        if os.environ.get(STRICT_ENV, "") not in ("", "0"):
            raise MissingString(f"no string {key!r} in ui/i18n.py or ui/text/*.py")
        return key
    text = entry.get(lang()) or entry.get("en") or key
    return text.format(**values) if values else text
