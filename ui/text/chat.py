"""Strings of the chat compare page (pages/chat.py): before/after chat and the scorecard."""

STRINGS = {
    "nav.chat": {"zh": "对比聊天", "en": "Chat compare"},
    "chat.title": {"zh": "训练前后对比聊天", "en": "Chat: before and after fine-tuning"},
    "chat.intro": {
        "zh": "同一个问题同时问训练前和训练后的模型，回答逐字显示在左右两边。默认使用和训练时一样的对话格式。",
        "en": "Ask the model before and after fine-tuning the same question; the answers stream side by side. "
              "By default the chat uses the same prompt format as the training.",
    },
    "chat.no_runs": {
        "zh": "还没有可以聊天的训练结果。先训练一次，并在「转换与合并」里把检查点转换成适配器（或合并模型）；"
              "也可以在下面直接填一个模型文件夹。",
        "en": "No training result to chat with yet. Train once, then convert the checkpoint to an adapter "
              "(or merge it) on the Convert & merge page; or enter a model folder below.",
    },
    "chat.before": {"zh": "训练前", "en": "Before"},
    "chat.after": {"zh": "训练后", "en": "After"},
    "chat.before_model": {"zh": "训练前的模型", "en": "Model before"},
    "chat.after_model": {"zh": "训练后的模型", "en": "Model after"},
    "chat.before_help": {"zh": "通常是训练所用的基础模型。", "en": "Usually the base model the training started from."},
    "chat.after_help": {
        "zh": "「基础模型 + 适配器」不用合并就能聊，而且和训练前共用一份模型，只占一半显存；"
              "「合并后的模型」是合并步骤生成的完整模型。",
        "en": "\"Base model + adapter\" needs no merge and shares one copy of the model with the before side "
              "(half the memory); \"merged model\" is the full model the merge step wrote.",
    },
    "chat.opt.adapter": {"zh": "{run} · 基础模型 + 适配器", "en": "{run} · base model + adapter"},
    "chat.opt.merged": {"zh": "{run} · 合并后的模型", "en": "{run} · merged model"},
    "chat.opt.base": {"zh": "基础模型（{path}）", "en": "Base model ({path})"},
    "chat.opt.folder": {"zh": "其他模型文件夹…", "en": "Another model folder…"},
    "chat.folder_path": {"zh": "模型文件夹", "en": "Model folder"},
    "chat.adapter_path": {"zh": "适配器文件夹（可不填）", "en": "Adapter folder (optional)"},
    "chat.adapter_help": {"zh": "pth_to_hf 生成的文件夹，里面有 adapter_config.json。",
                          "en": "The folder pth_to_hf wrote, with adapter_config.json in it."},
    "chat.run_template": {"zh": "训练时的对话格式：{template}", "en": "Prompt format of the training: {template}"},
    "chat.shared": {"zh": "两边共用一份基础模型：训练前 = 关闭适配器，训练后 = 打开适配器。",
                    "en": "Both sides share one copy of the base model: before = adapter off, after = adapter on."},
    "chat.adapter_on": {"zh": "+ 适配器（开）", "en": "+ adapter (on)"},
    "chat.adapter_off": {"zh": "+ 适配器（关）", "en": "+ adapter (off)"},
    "chat.pick_model": {"zh": "这一边还没有可用的模型，请在上面选择。",
                        "en": "This side has no usable model yet; choose one above."},
    "chat.loading": {"zh": "正在加载模型 {name}…", "en": "Loading the model {name}…"},
    # settings
    "chat.settings": {"zh": "对话格式与生成设置", "en": "Prompt format and generation settings"},
    "chat.template": {"zh": "对话模板", "en": "Prompt template"},
    "chat.template_help": {
        "zh": "默认和训练时一样（XTuner 的 prompt_template）。也可以改用模型自带的对话模板。",
        "en": "By default the same as the training (XTuner's prompt_template). You can switch to the model's own "
              "chat template.",
    },
    "chat.own_template": {"zh": "模型自带的对话模板", "en": "The model's own chat template"},
    "chat.system": {"zh": "系统提示词（SYSTEM）", "en": "System prompt (SYSTEM)"},
    "chat.system_help": {"zh": "默认和训练配置里的 SYSTEM 一样；可以为空。",
                         "en": "By default the SYSTEM of the training config; may be empty."},
    "chat.max_new_tokens": {"zh": "最多生成的 token 数", "en": "Max new tokens"},
    "chat.seed": {"zh": "随机种子", "en": "Seed"},
    "chat.device": {"zh": "设备", "en": "Device"},
    "chat.device_help": {"zh": "auto：有 GPU 用 GPU，否则用 CPU。",
                         "en": "auto: the GPU if there is one, else the CPU."},
    "chat.dtype": {"zh": "精度", "en": "Precision"},
    "chat.greedy": {"zh": "固定回答（贪心解码，不随机）", "en": "Fixed answers (greedy decoding, no sampling)"},
    "chat.greedy_help": {"zh": "打开时同一个问题每次得到同样的回答，最适合对比。关掉后可调温度等采样参数。",
                         "en": "On: the same question always gets the same answer, best for comparing. "
                               "Off: sampling with temperature and the settings beside it."},
    "chat.temperature": {"zh": "温度", "en": "Temperature"},
    "chat.top_p": {"zh": "核采样 top_p", "en": "top_p"},
    "chat.top_k": {"zh": "候选词数 top_k", "en": "top_k"},
    "chat.repetition_penalty": {"zh": "重复惩罚", "en": "Repetition penalty"},
    # toolbar and chat
    "chat.view": {"zh": "视图", "en": "View"},
    "chat.view.chat": {"zh": "对话", "en": "Chat"},
    "chat.view.scorecard": {"zh": "评分卡", "en": "Scorecard"},
    "chat.clear": {"zh": "清空对话", "en": "Clear chat"},
    "chat.release": {"zh": "释放显存", "en": "Free memory"},
    "chat.release_help": {"zh": "把已加载的模型从内存/显存中移除。下次提问时会重新加载。",
                          "en": "Remove the loaded models from memory. They load again on the next question."},
    "chat.released": {"zh": "已释放模型占用的内存。", "en": "The models' memory was freed."},
    "chat.examples": {"zh": "试试：", "en": "Try:"},
    "chat.placeholder": {"zh": "输入问题，两边的模型会同时回答", "en": "Ask a question; both models answer"},
    "chat.empty_answer": {"zh": "（模型没有生成任何文字）", "en": "(the model produced no text)"},
    "chat.ttft": {"zh": "首个 token {s} 秒", "en": "first token {s} s"},
    "chat.tps": {"zh": "{v} token/秒", "en": "{v} tokens/s"},
    "chat.tokens": {"zh": "共 {n} 个 token", "en": "{n} tokens"},
    # errors
    "chat.err.missing": {"zh": "找不到模型（或适配器）文件夹，或者里面缺少 config.json。请检查路径。",
                         "en": "The model (or adapter) folder was not found, or it has no config.json. "
                               "Check the path."},
    "chat.err.unreadable": {"zh": "这个文件夹里的模型加载不了：文件可能不完整，或者不是对话模型。",
                            "en": "The model in this folder could not be loaded: the files may be incomplete, "
                                  "or it is not a chat model."},
    "chat.err.adapter": {"zh": "这个适配器和所选的基础模型不匹配（它是为别的模型训练的）。请选择训练时用的基础模型。",
                         "en": "This adapter does not fit the chosen base model (it was trained for another model). "
                               "Choose the base model the training used."},
    "chat.err.no_gpu": {"zh": "选择了 GPU，但这台机器上没有可用的 GPU。请把设备改成 auto 或 cpu。",
                        "en": "A GPU was chosen, but this machine has none that works. Set the device to auto or cpu."},
    "chat.err.oom": {"zh": "内存（显存）不够。请点「释放显存」，减少「最多生成的 token 数」，改用 float16，"
                           "或选择「基础模型 + 适配器」让两边共用一份模型。",
                     "en": "Out of memory. Click \"Free memory\", lower \"Max new tokens\", use float16, or choose "
                           "\"base model + adapter\" so both sides share one model."},
    "chat.err.no_chat_template": {"zh": "这个模型没有自带的对话模板，请在设置里选择一个 XTuner 对话模板。",
                                  "en": "This model has no chat template of its own; choose an XTuner prompt "
                                        "template in the settings."},
    "chat.err.generate": {"zh": "模型在回答时出错了。", "en": "The model failed while answering."},
    "chat.err.error": {"zh": "出错了。", "en": "Something went wrong."},
    "chat.err.not_adapter": {"zh": "`{path}` 不是适配器文件夹（缺少 adapter_config.json 或权重）。",
                             "en": "`{path}` is not an adapter folder (adapter_config.json or weights are missing)."},
    # scorecard
    "chat.sc.intro": {
        "zh": "用训练数据里**没有**的问题检验效果：身份问题（换个说法、英文、「你是ChatGPT吗？」）"
              "看回答里有没有说出名字；普通问题看训练前后的回答变了多少。",
        "en": "Test with questions that are **not** in the training data: identity questions (paraphrases, English, "
              "\"Are you ChatGPT?\") should name the assistant or its owner; general questions show how much "
              "the other answers changed.",
    },
    "chat.sc.names": {"zh": "要找的名字（用逗号分隔）", "en": "Names to look for (comma-separated)"},
    "chat.sc.names_help": {"zh": "小助手或主人的名字。已从训练数据的回答里自动找出，可以修改。",
                           "en": "The assistant's or the owner's name. Found in the training answers where possible; "
                                 "edit as needed."},
    "chat.sc.no_names": {"zh": "请填写至少一个名字，否则身份命中率总是 0。",
                         "en": "Enter at least one name, or the identity hit rate is always 0."},
    "chat.sc.identity": {"zh": "身份问题（每行一个）", "en": "Identity questions (one per line)"},
    "chat.sc.identity_help": {"zh": "已去掉训练数据里出现过的问题。",
                              "en": "Questions found in the training data were left out."},
    "chat.sc.general": {"zh": "普通问题（每行一个）", "en": "General questions (one per line)"},
    "chat.sc.run": {"zh": "运行评分卡", "en": "Run the scorecard"},
    "chat.sc.progress": {"zh": "{done} / {total}：{q}", "en": "{done} / {total}: {q}"},
    "chat.sc.hit_before": {"zh": "身份命中率 · 训练前", "en": "Identity hit rate · before"},
    "chat.sc.hit_after": {"zh": "身份命中率 · 训练后", "en": "Identity hit rate · after"},
    "chat.sc.drift": {"zh": "普通回答变化", "en": "General-answer drift"},
    "chat.sc.drift_help": {"zh": "普通问题的回答在训练前后变了多少（1 − 文本相似度，取平均）。0% = 完全没变。",
                           "en": "How much the general answers changed (1 − text similarity, averaged). "
                                 "0% = unchanged."},
    "chat.sc.names_used": {"zh": "查找的名字：{names}", "en": "Names looked for: {names}"},
    "chat.sc.col.kind": {"zh": "类型", "en": "Kind"},
    "chat.sc.col.question": {"zh": "问题", "en": "Question"},
    "chat.sc.col.hit_before": {"zh": "训练前说出名字", "en": "Before names it"},
    "chat.sc.col.hit_after": {"zh": "训练后说出名字", "en": "After names it"},
    "chat.sc.col.drift": {"zh": "变化", "en": "Drift"},
    "chat.sc.kind.identity": {"zh": "身份", "en": "identity"},
    "chat.sc.kind.general": {"zh": "普通", "en": "general"},
    "chat.sc.download": {"zh": "下载 CSV", "en": "Download CSV"},
}
