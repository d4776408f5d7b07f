"""Strings of the dataset page (identity form, Q&A table, import, checks, save)."""

STRINGS = {
    "nav.dataset": {"zh": "数据集", "en": "Dataset"},
    "dataset.title": {"zh": "数据集", "en": "Dataset"},
    "dataset.intro": {
        "zh": "告诉模型它是谁、属于谁。好的数据集要做到两点：**身份记得牢**，**别的问题照样会答**。"
              "教程把两个问答各重复 8000 次，模型很容易只会背这两句话；这里用几十种不同的问法，再混入一些普通对话，"
              "避免这个陷阱。",
        "en": "Tell the model who it is and who it belongs to. A good dataset does two things: the **identity "
              "sticks**, and the model **still answers everything else**. The tutorial repeats two Q&A pairs 8,000 "
              "times, so the model easily learns nothing but those two sentences; here you ask the same thing dozens "
              "of ways and mix in ordinary conversations to avoid that trap.",
    },
    # 1. who
    "dataset.who": {"zh": "1. 小助手是谁", "en": "1. Who the assistant is"},
    "dataset.owner": {"zh": "主人的名字（必填）", "en": "Owner's name (required)"},
    "dataset.owner_ph": {"zh": "例如：小明", "en": "e.g. Alex"},
    "dataset.owner_help": {"zh": "回答里会说「我是某某的小助手」。", "en": "Answers say \"I am Alex's assistant\"."},
    "dataset.name": {"zh": "小助手的名字（可选）", "en": "Assistant's name (optional)"},
    "dataset.name_ph": {"zh": "例如：小智", "en": "e.g. Sparky"},
    "dataset.name_help": {
        "zh": "留空时小助手只说自己是谁的小助手。",
        "en": "Leave empty and it just says whose assistant it is.",
    },
    "dataset.desc_zh": {"zh": "一句话介绍（中文，可选）", "en": "One-line description in Chinese (optional)"},
    "dataset.desc_en": {"zh": "一句话介绍（英文，可选）", "en": "One-line description in English (optional)"},
    "dataset.langs": {"zh": "回答的语言", "en": "Languages"},
    "dataset.lang.zh": {"zh": "中文", "en": "Chinese"},
    "dataset.lang.en": {"zh": "英文", "en": "English"},
    "dataset.lang.both": {"zh": "中英都要", "en": "Both"},
    # 2. questions
    "dataset.questions": {"zh": "2. 身份问答", "en": "2. Identity questions"},
    "dataset.mode": {"zh": "做法", "en": "How"},
    "dataset.mode.builder": {"zh": "多种问法（推荐）", "en": "Many ways to ask (recommended)"},
    "dataset.mode.tutorial": {"zh": "教程原样（2 个问答 × n 次）", "en": "Exactly the tutorial (2 pairs × n)"},
    "dataset.need_owner": {
        "zh": "先在上面填写主人的名字，问答表就会自动生成。",
        "en": "Enter the owner's name above and the Q&A table fills itself in.",
    },
    "dataset.tutorial_n": {"zh": "重复次数 n", "en": "Repeat count n"},
    "dataset.tutorial_warning": {
        "zh": "教程自己也提醒：n 太大，模型会过拟合，只会回答这两句话，别的问题答不好了。n 太小，身份又记不住。"
              "想两者兼顾，请用「多种问法」并混入普通对话。",
        "en": "The tutorial itself warns: with a large n the model overfits and stops answering other questions "
              "well; with a small n the identity doesn't stick. For both, use \"Many ways to ask\" and mix in "
              "general conversations.",
    },
    "dataset.tutorial_pairs": {"zh": "教程的两个问答：", "en": "The tutorial's two pairs:"},
    "dataset.col.question": {"zh": "问题", "en": "Question"},
    "dataset.col.answer": {"zh": "回答", "en": "Answer"},
    "dataset.col.problem": {"zh": "问题所在", "en": "Problem"},
    "dataset.col.turns": {"zh": "轮数", "en": "Turns"},
    "dataset.import_preview": {"zh": "前 {n} 条预览：", "en": "The first {n} records:"},
    "dataset.import_preview.one": {"zh": "第一条预览：", "en": "The first record:"},
    "dataset.col.content": {"zh": "内容", "en": "Content"},
    "dataset.editor_help": {
        "zh": "内置 {n} 种问法（所选语言；我是谁、谁做的、能做什么、是不是 ChatGPT），回答用上面的信息自动填写。"
              "可以直接在表格里修改；点最后一行下面的 + 加一行；选中行左边的方框后按 Delete 删除。",
        "en": "{n} built-in ways to ask in the chosen languages (who are you, who made you, what can you do, are you ChatGPT), answered with "
              "the details above. Edit cells in place; + below the last row adds a row; tick rows on the left and "
              "press Delete to remove them.",
    },
    "dataset.rows_stale": {
        "zh": "你改了上面的信息，但有些回答没法自动更新。需要的话点「恢复内置问答」重新生成（你的修改会丢失）。",
        "en": "You changed the details above, but some answers could not follow automatically. Press \"Reset to "
              "built-in questions\" to refill them (your edits will be lost).",
    },
    "dataset.reset_rows": {"zh": "恢复内置问答", "en": "Reset to built-in questions"},
    "dataset.clear_rows": {"zh": "清空表格", "en": "Clear the table"},
    "dataset.repeat": {"zh": "每个问答重复几次", "en": "Repeat each pair"},
    "dataset.repeat_help": {
        "zh": "次数越多身份记得越牢。教程把 2 个问答各重复 8000 次；这里问法多得多，100 次左右就够，"
              "前提是混入了普通对话。",
        "en": "More repeats make the identity stick harder. The tutorial repeats 2 pairs 8,000 times; with this many "
              "ways to ask, about 100 is enough, as long as general conversations are mixed in.",
    },
    "dataset.row_problems": {
        "zh": "表格里有 {n} 处问题，保存前请修改或删除这些行：",
        "en": "{n} problems in the table; fix or delete these rows before saving:",
    },
    "dataset.row_problems.one": {"zh": "表格里有 {n} 处问题，保存前请修改或删除这些行：", "en": "{n} problem in the table; fix or delete this row before saving:"},
    # 3. general
    "dataset.general": {
        "zh": "3. 混入普通对话（防止遗忘）",
        "en": "3. Mix in general conversations (against forgetting)",
    },
    "dataset.general_help": {
        "zh": "只学身份的模型会忘掉别的本事。导入一份普通对话数据（比如 alpaca、ShareGPT 格式），按比例混进去，"
              "模型就能既记住自己是谁，又照样回答其他问题。",
        "en": "A model that learns only its identity forgets its other skills. Import a general conversation dataset "
              "(alpaca, ShareGPT, ...) and mix it in, so the model remembers who it is and still answers everything "
              "else.",
    },
    "dataset.share": {"zh": "普通对话的目标占比", "en": "Target share of general conversations"},
    "dataset.share_actual": {"zh": "目标 {want}，数据集里实际是 {got}。", "en": "Target {want}; the dataset has {got}."},
    "dataset.share_short": {
        "zh": "目标 {want}，数据集里实际是 {got}：普通对话不够，已经全部用上。",
        "en": "Target {want}; the dataset has {got}: there are not enough general conversations, so all are used.",
    },
    "dataset.share_all_general": {
        "zh": "还没有身份问答：普通对话全部放进数据集。",
        "en": "No identity questions yet: every general conversation goes into the dataset.",
    },
    "dataset.share_help": {
        "zh": "例如 50% 表示身份问答和普通对话一样多。普通对话不够时全部用上。",
        "en": "50% means as many general conversations as identity records. If there are not enough, all of them are "
              "used.",
    },
    "dataset.general_count": {"zh": "已导入的普通对话", "en": "General conversations imported"},
    "dataset.clear_general": {"zh": "移除普通对话", "en": "Remove them"},
    "dataset.add_builtin": {"zh": "加入内置的普通对话（{n} 条）", "en": "Add the built-in general conversations ({n})"},
    "dataset.add_builtin_help": {
        "zh": "本项目自带、手写的日常问答（生活常识、科学、数学、编程、写作、翻译等），语言跟上面“回答的语言”一致。"
              "数量不多，适合先试；正式训练最好再导入一份更大的普通对话数据。",
        "en": "Everyday Q&A written for this project (common sense, science, maths, programming, writing, "
              "translation, ...), in the languages chosen above. A small set to start with; for a real training, "
              "import a larger general dataset as well.",
    },
    "dataset.builtin_added": {"zh": "已加入 {n} 条内置普通对话。", "en": "Added {n} built-in general conversations."},
    "dataset.builtin_added.one": {"zh": "已加入 {n} 条内置普通对话。", "en": "Added {n} built-in general conversation."},
    "dataset.builtin_present": {"zh": "内置的普通对话已经都在里面了。", "en": "The built-in general conversations are already in."},
    "dataset.tutorial_no_mix": {
        "zh": "教程模式只用教程的两个问答，不混入普通对话。",
        "en": "Tutorial mode uses only the tutorial's two pairs; nothing is mixed in.",
    },
    # import
    "dataset.import": {"zh": "导入文件", "en": "Import a file"},
    "dataset.import_help": {
        "zh": "支持：XTuner 对话 JSON/JSONL、alpaca、ShareGPT、OpenAI messages、ms-swift、LLaMA-Factory 身份文件，"
              "以及带问题/回答两列的 CSV、XLSX。文件最大 {limit} MB。",
        "en": "Accepted: XTuner conversation JSON/JSONL, alpaca, ShareGPT, OpenAI messages, ms-swift, LLaMA-Factory "
              "identity files, and CSV or XLSX with question/answer columns. At most {limit} MB.",
    },
    "dataset.upload": {"zh": "上传文件", "en": "Upload a file"},
    "dataset.import_path": {"zh": "或者：服务器上的文件路径", "en": "Or: a file path on the server"},
    "dataset.read_path": {"zh": "读取", "en": "Read"},
    "dataset.cannot_read": {
        "zh": "读不了 {file}，当前数据没有任何改动。",
        "en": "{file} cannot be read; nothing was changed.",
    },
    "dataset.dismiss": {"zh": "知道了", "en": "OK"},
    "dataset.need_mapping": {
        "zh": "{file} 里找不到问题和回答列（有这些列：{columns}）。请选择：",
        "en": "{file} has no recognisable question and answer columns (it has: {columns}). Choose them:",
    },
    "dataset.map_question": {"zh": "问题列", "en": "Question column"},
    "dataset.map_answer": {"zh": "回答列", "en": "Answer column"},
    "dataset.map_system": {"zh": "系统提示列（可选）", "en": "System prompt column (optional)"},
    "dataset.apply_mapping": {"zh": "用这些列读取", "en": "Read with these columns"},
    "dataset.import_summary": {
        "zh": "**{file}**（{fmt}）：共 {total} 条，{ok} 条可用，{bad} 条有问题。",
        "en": "**{file}** ({fmt}): {total} rows, {ok} usable, {bad} with problems.",
    },
    "dataset.import_summary.one": {"zh": "**{file}**（{fmt}）：共 {total} 条，{ok} 条可用，{bad} 条有问题。", "en": "**{file}** ({fmt}): {total} row, {ok} usable, {bad} with problems."},
    "dataset.placeholders_filled": {
        "zh": "这是一个身份文件：里面的名字占位符已用表单里的{values}填好。",
        "en": "This is an identity file: its name placeholders were filled from the form with {values}.",
    },
    "dataset.filled_with": {"zh": "{field}「{value}」", "en": "the {field} \"{value}\""},
    "dataset.placeholders_need": {
        "zh": "这是一个身份文件，里面有名字占位符（例如 NAME、AUTHOR 或 {{{{name}}}}）。请先在上面的第 1 步填写{fields}，"
              "填好后会自动重新读取这个文件，再导入。",
        "en": "This is an identity file with name placeholders (such as NAME, AUTHOR or {{{{name}}}}). Fill in "
              "{fields} in step 1 above first; the file is read again as soon as you do, and can then be added.",
    },
    "dataset.needs.name": {"zh": "小助手的名字", "en": "assistant's name"},
    "dataset.needs.author": {"zh": "主人的名字", "en": "owner's name"},
    "dataset.and": {"zh": "和", "en": " and "},
    "dataset.reading": {"zh": "正在读取 {file}…", "en": "Reading {file}…"},
    "dataset.reading_pct": {"zh": "正在读取 {file}…（{pct}）", "en": "Reading {file}… ({pct})"},
    "dataset.file_changed": {
        "zh": "{file} 在读取之后被修改过，已重新读取。请检查后再导入。",
        "en": "{file} changed after it was read; it was read again. Check it, then add it.",
    },
    "dataset.bad_rows": {
        "zh": "{n} 条不能用，下面列出了原因。可以只导入可用的部分，或者取消、修改文件后再导入。",
        "en": "{n} rows cannot be used; the reasons are listed below. Import only the usable rows, or cancel, fix "
              "the file and import again.",
    },
    "dataset.bad_rows.one": {"zh": "{n} 条不能用，下面列出了原因。可以只导入可用的部分，或者取消、修改文件后再导入。", "en": "{n} row cannot be used; the reason is listed below. Import only the usable rows, or cancel, fix the file and import again."},
    "dataset.all_problems": {"zh": "全部 {n} 处问题（表格）", "en": "All {n} problems (table)"},
    "dataset.more_problems": {"zh": "还有 {n} 处问题没有列出。", "en": "{n} more problems not listed."},
    "dataset.more_problems.one": {"zh": "还有 {n} 处问题没有列出。", "en": "{n} more problem not listed."},
    "dataset.import_target": {"zh": "导入到", "en": "Add to"},
    "dataset.target.qa": {"zh": "身份问答表", "en": "the identity Q&A table"},
    "dataset.target.general": {"zh": "普通对话", "en": "general conversations"},
    "dataset.keep_valid": {"zh": "只导入可用的 {n} 条", "en": "Keep the {n} usable rows"},
    "dataset.keep_valid.one": {"zh": "只导入可用的 {n} 条", "en": "Keep the {n} usable row"},
    "dataset.add": {"zh": "导入 {n} 条", "en": "Add {n} records"},
    "dataset.add.one": {"zh": "导入 {n} 条", "en": "Add {n} record"},
    "dataset.cancel": {"zh": "取消", "en": "Cancel"},
    "dataset.not_for_table": {
        "zh": "其中 {n} 条是多轮对话或带系统提示，问答表放不下。请导入到「普通对话」。",
        "en": "{n} of them have several turns or a system prompt, which the Q&A table cannot hold. Add them to "
              "general conversations instead.",
    },
    "dataset.not_for_table.one": {"zh": "其中 {n} 条是多轮对话或带系统提示，问答表放不下。请导入到「普通对话」。", "en": "{n} of them has several turns or a system prompt, which the Q&A table cannot hold. Add them to general conversations instead."},
    "dataset.imported": {"zh": "已把 {n} 条导入到{target}。", "en": "Added {n} records to {target}."},
    "dataset.imported.one": {"zh": "已把 {n} 条导入到{target}。", "en": "Added {n} record to {target}."},
    "dataset.fmt.xtuner": {"zh": "XTuner 对话格式", "en": "XTuner conversations"},
    "dataset.fmt.alpaca": {"zh": "alpaca 格式", "en": "alpaca"},
    "dataset.fmt.sharegpt": {"zh": "ShareGPT 格式", "en": "ShareGPT"},
    "dataset.fmt.openai": {"zh": "OpenAI messages 格式", "en": "OpenAI messages"},
    "dataset.fmt.ms_swift": {"zh": "ms-swift 格式", "en": "ms-swift"},
    "dataset.fmt.qa": {"zh": "问题/回答 JSON", "en": "question/answer JSON"},
    "dataset.fmt.csv": {"zh": "CSV 表格", "en": "CSV table"},
    "dataset.fmt.xlsx": {"zh": "Excel 表格", "en": "Excel table"},
    "dataset.fmt.unknown": {"zh": "未知格式", "en": "unknown format"},
    # 4. check
    "dataset.check": {"zh": "4. 检查", "en": "4. Check"},
    "dataset.nothing_yet": {"zh": "还没有数据。", "en": "No data yet."},
    "dataset.nothing_without_owner": {
        "zh": "还没有数据集：先在第 1 步填写主人的名字（必填），身份问答和普通对话才会组成数据集。",
        "en": "No dataset yet: enter the owner's name in step 1 (required); then the identity questions and the "
              "general conversations make up the dataset.",
    },
    "dataset.records": {"zh": "条数", "en": "Records"},
    "dataset.unique": {"zh": "不重复的记录", "en": "Unique records"},
    "dataset.unique_help": {
        "zh": "内容不同的记录：表格里的一种问法重复多少次都只算一条，每条普通对话算一条。",
        "en": "Records with different content: each question of the table counts once however often it is repeated, "
              "each general conversation once.",
    },
    "dataset.dup_ratio": {"zh": "重复比例", "en": "Duplicates"},
    "dataset.identity_share": {"zh": "身份问答占比", "en": "Identity share"},
    "dataset.general_share": {"zh": "普通对话占比", "en": "General share"},
    "dataset.general_share_help": {
        "zh": "普通对话条数 ÷ 全部条数，和第 3 步滑块下面的“实际”是同一个数。",
        "en": "General conversations ÷ all records: the same number as “really has” under the slider in step 3.",
    },
    "dataset.about": {"zh": "约 ", "en": "about "},
    "dataset.warn.duplicates": {
        "zh": "{ratio} 的数据是重复的。模型会死记这些回答，别的问题可能答不好（过拟合）。请混入普通对话，"
              "或减少重复次数。",
        "en": "{ratio} of the records are copies of others. The model will memorize these answers and may stop "
              "answering other questions well (overfitting). Mix in general conversations or repeat less.",
    },
    "dataset.warn.identity_only": {
        "zh": "{share} 的数据都在讲身份。只学这些，模型会忘掉别的本事。请在第 3 步导入（更多）普通对话，"
              "或减少每个问答的重复次数。",
        "en": "{share} of the records are about identity. Learning only that, the model forgets its other skills. "
              "Import (more) general conversations in step 3, or repeat each pair fewer times.",
    },
    "dataset.warn.no_identity": {
        "zh": "数据里没有身份问答，模型学不到自己是谁。",
        "en": "There are no identity questions: the model will not learn who it is.",
    },
    "dataset.mix_short": {
        "zh": "普通对话不够：按现在的比例需要 {want} 条，只有 {have} 条，已全部用上。可以导入更多，或减少重复次数。",
        "en": "Not enough general conversations: the share asks for {want}, there are {have}; all are used. Import "
              "more, or repeat each pair fewer times.",
    },
    "dataset.tokens": {"zh": "长度和训练步数", "en": "Length and training steps"},
    "dataset.settings_from": {
        "zh": "按 {src} 的设置估算：max_length {max_length}，batch_size {batch}，{epochs} 轮，模板 {template}。",
        "en": "Estimated with the settings of {src}: max_length {max_length}, batch size {batch}, {epochs} epochs, "
              "template {template}.",
    },
    "dataset.preset_defaults": {
        "zh": "配置页给这个模型的初始设置（还没有保存的配置）",
        "en": "the config page's starting settings for this model (no saved config yet)",
    },
    "dataset.no_model": {
        "zh": "还没有选择基础模型，无法统计 token 数。请先在首页选择模型。",
        "en": "No base model chosen, so tokens cannot be counted. Choose a model on the home page.",
    },
    "dataset.counting": {"zh": "正在统计 token…", "en": "Counting tokens…"},
    "dataset.no_tokens": {
        "zh": "读不了基础模型的分词器，无法统计 token 数（{reason}）。",
        "en": "The base model's tokenizer could not be loaded, so tokens are not counted ({reason}).",
    },
    "dataset.gpus": {"zh": "训练用几块 GPU", "en": "GPUs for training"},
    "dataset.tok_min": {"zh": "最短（token）", "en": "Shortest (tokens)"},
    "dataset.tok_median": {"zh": "中位数（token）", "en": "Median (tokens)"},
    "dataset.tok_max": {"zh": "最长（token）", "en": "Longest (tokens)"},
    "dataset.packed": {"zh": "打包后的样本", "en": "Packed samples"},
    "dataset.packed_help": {
        "zh": "XTuner 先打乱数据，再按分词进程数（map_num_proc，默认 32）分成几份，每份各自拼接成 max_length 长的样本，"
              "所以每轮至少有这么多个。打乱是随机的，数字前有“约”时每次训练可能差一两个。",
        "en": "XTuner shuffles the records, splits them into as many shards as tokenizing processes (map_num_proc, "
              "32 by default) and packs each shard into max_length chunks on its own, so an epoch has at least that "
              "many. The shuffle is random: with “about”, a run may differ by one or two.",
    },
    "dataset.iters_epoch": {"zh": "每轮步数", "en": "Iterations per epoch"},
    "dataset.iters_total": {"zh": "总步数", "en": "Total iterations"},
    "dataset.eta_metric": {"zh": "预计训练时间", "en": "Estimated training time"},
    "dataset.minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "dataset.iters_help": {
        "zh": "总步数 = 轮数 × ⌈打包样本 ÷ (batch_size × GPU 数)⌉，就是训练日志里 [步/总步数] 的总步数（梯度累积不改变它）。",
        "en": "total = epochs × ceil(packed samples ÷ (batch size × GPUs)): the total in the training log's "
              "[step/total] (gradient accumulation does not change it).",
    },
    "dataset.sampled": {
        "zh": "数据很多，token 数是随机抽 {n} 条估算的。",
        "en": "Large dataset: tokens estimated from {n} random samples.",
    },
    "dataset.over_max": {
        "zh": "约 {n} 条比 max_length（{max_length}）长，训练时会被截断。",
        "en": "About {n} samples are longer than max_length ({max_length}) and will be cut.",
    },
    "dataset.over_max.one": {"zh": "约 {n} 条比 max_length（{max_length}）长，训练时会被截断。", "en": "About {n} sample is longer than max_length ({max_length}) and will be cut."},
    "dataset.eta": {
        "zh": "训练时间按上次训练 {run} 实测的每步 {speed} 秒估算。",
        "en": "Training time estimated at {speed} s per iteration, measured in run {run}.",
    },
    "dataset.eta_rough": {
        "zh": "那次训练的 max_length 或 batch_size 和现在不同，估算只供参考。",
        "en": "That run used a different max_length or batch size; take the estimate as rough.",
    },
    "dataset.no_speed": {
        "zh": "完成一次训练后，这里会显示预计训练时间。",
        "en": "After a first training run, the estimated training time shows here.",
    },
    "dataset.preview": {"zh": "预览：训练时模型看到的样子", "en": "Preview: what training sees"},
    "dataset.preview_help": {
        "zh": "按模板 {template} 拼好的文本，和训练时完全一样。",
        "en": "The text built with the {template} template, exactly as training sees it.",
    },
    "dataset.preview_record": {"zh": "第几条", "en": "Record number"},
    # 5. save
    "dataset.save_title": {"zh": "5. 保存和导出", "en": "5. Save and export"},
    "dataset.save_help": {
        "zh": "保存到 `{path}`，训练读的就是这个文件。旧版本会自动保留。",
        "en": "Saved to `{path}`, the file training reads. Earlier versions are kept.",
    },
    "dataset.config_elsewhere": {
        "zh": "注意：配置 {config} 读的是 `{path}`，不是这里保存的文件。请在配置页面改成这个数据集。",
        "en": "Note: the config {config} reads `{path}`, not the file saved here. Point it at this dataset on the "
              "Config page.",
    },
    "dataset.save": {"zh": "保存数据集", "en": "Save the dataset"},
    "dataset.fix_first": {
        "zh": "有 {n} 处问题，没有保存。请先修改上面列出的行。",
        "en": "Not saved: there are {n} problems. Fix the rows listed above first.",
    },
    "dataset.fix_first.one": {"zh": "有 {n} 处问题，没有保存。请先修改上面列出的行。", "en": "Not saved: there is {n} problem. Fix the row listed above first."},
    "dataset.saved": {"zh": "已保存 {n} 条到 {path}。", "en": "Saved {n} records to {path}."},
    "dataset.saved.one": {"zh": "已保存 {n} 条到 {path}。", "en": "Saved {n} record to {path}."},
    "dataset.kept": {"zh": "旧版本保留为 {name}。", "en": "The earlier version was kept as {name}."},
    "dataset.save_failed": {"zh": "没有保存：{reason}", "en": "Not saved: {reason}"},
    "dataset.export.json": {"zh": "导出 XTuner JSON", "en": "Export XTuner JSON"},
    "dataset.export.jsonl": {"zh": "导出 JSONL", "en": "Export JSONL"},
    "dataset.export.csv": {"zh": "导出 CSV", "en": "Export CSV"},
    # 6. saved file
    "dataset.saved_title": {"zh": "6. 已保存的数据集", "en": "6. The saved dataset"},
    "dataset.saved_ok": {"zh": "`{path}`：{n} 条，格式正确。", "en": "`{path}`: {n} records, valid."},
    "dataset.saved_ok.one": {"zh": "`{path}`：{n} 条，格式正确。", "en": "`{path}`: {n} record, valid."},
    "dataset.saved_invalid": {
        "zh": "`{path}` 有问题，训练会失败：",
        "en": "`{path}` has problems; training would fail:",
    },
    "dataset.not_saved_yet": {"zh": "还没有保存过数据集（`{path}`）。", "en": "No dataset saved yet (`{path}`)."},
    "dataset.versions": {"zh": "以前的版本", "en": "Earlier versions"},
    "dataset.restore": {"zh": "恢复这个版本", "en": "Restore this version"},
    "dataset.restored": {
        "zh": "已恢复 {name}；恢复前的文件也保留成了一个版本。",
        "en": "Restored {name}; the file it replaced was kept as a version too.",
    },
    "dataset.restore_failed": {"zh": "不能恢复：{reason}", "en": "Cannot restore: {reason}"},
    "dataset.restored_form": {
        "zh": "上面的表单、问题表和统计都换成了保存这个版本时的内容。",
        "en": "The form, the question table and the numbers above now show what this version was saved with.",
    },
    "dataset.restored_read": {
        "zh": "这个版本保存时没有记下表单，上面的问题表、重复次数和普通对话是从文件里的记录读回来的（生成的记录和文件完全一样）。",
        "en": "This version was saved without its form; the question table, repeats and general conversations above "
              "were read back from its records (they build exactly the file).",
    },
    "dataset.changed_on_disk": {
        "zh": "`{path}` 在这个页面读取之后被改过了（也许是恢复了一个版本，或者另一个标签页保存过）。"
              "现在保存会用这个页面的内容覆盖它；它现在的内容仍会保留成一个版本。",
        "en": "`{path}` has changed since this page read it (a version was restored, or another tab saved it). "
              "Saving now overwrites it with this page's data; what it holds now is still kept as a version.",
    },
    "dataset.save_anyway": {"zh": "仍然保存", "en": "Save anyway"},
    "dataset.show_disk": {"zh": "改为显示文件里的内容", "en": "Show the file's data instead"},
    "dataset.save_cancel": {"zh": "取消", "en": "Cancel"},
    "dataset.shown_disk": {"zh": "页面现在显示的是文件里的内容。", "en": "The page now shows the file's data."},
    "dataset.xtuner_check": {"zh": "用 XTuner 检查", "en": "Check with XTuner"},
    "dataset.no_config": {
        "zh": "XTuner 的检查需要一个保存好的配置。请先在「配置」页面保存配置。",
        "en": "XTuner's check needs a saved config. Save one on the Config page first.",
    },
    "dataset.run_check": {"zh": "运行 xtuner check-custom-dataset", "en": "Run xtuner check-custom-dataset"},
    "dataset.checking": {
        "zh": "XTuner 正在按配置读取已保存的数据集…",
        "en": "XTuner is reading the saved dataset with the config…",
    },
    "dataset.check_ok": {"zh": "XTuner 能正确读取这个数据集。", "en": "XTuner reads this dataset correctly."},
    "dataset.check_failed": {
        "zh": "XTuner 的检查失败了（退出码 {code}），原因见下面的输出。",
        "en": "XTuner's check failed (exit code {code}); see its output below.",
    },
    # where a problem is
    "dataset.where_sep": {"zh": "{where}：{text}", "en": "{where}: {text}"},
    "dataset.where.record": {"zh": "第 {n} 条", "en": "record {n}"},
    "dataset.where.line": {"zh": "第 {n} 行", "en": "line {n}"},
    "dataset.where.row": {"zh": "第 {n} 行", "en": "row {n}"},
    "dataset.where.file": {"zh": "文件", "en": "file"},
    "dataset.where.turn": {"zh": "第 {n} 轮", "en": ", turn {n}"},
    # problems (codes from core.dataset, core.dataset_io, core.dataset_tables)
    "dataset.p.no_conversation": {"zh": "没有 \"conversation\" 列表", "en": "has no \"conversation\" list"},
    "dataset.p.empty_conversation": {
        "zh": "\"conversation\" 必须是非空的对话列表",
        "en": "\"conversation\" must be a non-empty list of turns",
    },
    "dataset.p.turn_not_object": {
        "zh": "不是带 input 和 output 的对象",
        "en": "is not an object with input and output",
    },
    "dataset.p.missing_text": {"zh": "{field} 缺失或不是文字", "en": "{field} is missing or not text"},
    "dataset.p.output_empty": {"zh": "回答（output）是空的", "en": "the answer (output) is empty"},
    "dataset.p.system_not_text": {"zh": "system 必须是文字", "en": "system must be text"},
    "dataset.p.not_list": {
        "zh": "文件最外层必须是记录列表（[...]）",
        "en": "the top level must be a list of records ([...])",
    },
    "dataset.p.no_records": {"zh": "文件里没有任何记录", "en": "the file has no records"},
    "dataset.p.question_empty": {"zh": "问题是空的", "en": "question is empty"},
    "dataset.p.answer_empty": {"zh": "回答是空的", "en": "answer is empty"},
    "dataset.p.no_path": {"zh": "没有填写路径。", "en": "No path was given."},
    "dataset.p.missing": {"zh": "找不到文件 {path}。", "en": "There is no file {path}."},
    "dataset.p.not_file": {"zh": "{path} 是文件夹，不是文件。", "en": "{path} is a folder, not a file."},
    "dataset.p.too_big": {
        "zh": "文件太大（{size_mb} MB），最大 {limit_mb} MB。请拆分后再导入。",
        "en": "The file is too large ({size_mb} MB); the limit is {limit_mb} MB. Split it first.",
    },
    "dataset.p.unreadable": {"zh": "没有权限读取 {path}。", "en": "{path} cannot be read (permissions?)."},
    "dataset.p.empty": {"zh": "文件是空的。", "en": "The file is empty."},
    "dataset.p.xls": {
        "zh": "旧的 .xls 格式读不了，请在 Excel 里另存为 .xlsx 或 CSV。",
        "en": "Old .xls files cannot be read; save it as .xlsx or CSV in Excel.",
    },
    "dataset.p.binary": {
        "zh": "这不是文本文件（看起来是{kind}）。",
        "en": "This is not a text file (it looks like {kind}).",
    },
    "dataset.kind.zip": {"zh": "压缩包", "en": "a zip archive"},
    "dataset.kind.pdf": {"zh": "PDF 文档", "en": "a PDF document"},
    "dataset.kind.image": {"zh": "图片", "en": "an image"},
    "dataset.kind.archive": {"zh": "压缩包", "en": "a compressed archive"},
    "dataset.kind.binary": {"zh": "二进制数据", "en": "binary data"},
    "dataset.kind.program": {"zh": "程序文件", "en": "a program"},
    "dataset.kind.database": {"zh": "数据库文件", "en": "a database"},
    "dataset.p.utf16": {
        "zh": "文件是 UTF-16 编码，已按 UTF-16 读取。",
        "en": "The file is UTF-16 text and was read as such.",
    },
    "dataset.p.not_utf8": {
        "zh": "文件不是 UTF-8 编码（第 {line} 行），也不像 GBK。请另存为 UTF-8。",
        "en": "The file is not UTF-8 (line {line}) and not GBK either. Save it as UTF-8.",
    },
    "dataset.p.not_utf8_utf16": {
        "zh": "文件是 UTF-16 编码（记事本里叫“Unicode”），不是 UTF-8。应用只读 UTF-8：请用编辑器另存为 UTF-8。",
        "en": "The file is UTF-16 text (Notepad calls it \"Unicode\"), not UTF-8. The app reads UTF-8 only: save it "
              "as UTF-8 in your editor.",
    },
    "dataset.p.not_utf8_gbk": {
        "zh": "文件不是 UTF-8 编码（第 {line} 行），看起来是 GBK（可能被别的编辑器另存过）。应用只读 UTF-8：请用编辑器另存为 UTF-8。",
        "en": "The file is not UTF-8 (line {line}); it looks like GBK (perhaps saved by another editor). The app reads "
              "UTF-8 only: save it as UTF-8 in your editor.",
    },
    "dataset.p.gbk": {
        "zh": "文件不是 UTF-8 编码（第 {line} 行），看起来是 GBK，已按 GBK 读取。请在下面确认文字显示正常。",
        "en": "The file is not UTF-8 (line {line}); it looks like GBK and was read as GBK. Check that the text looks "
              "right.",
    },
    "dataset.p.bad_json": {
        "zh": "第 {line} 行第 {column} 列不是合法的 JSON：{reason}。",
        "en": "Line {line}, column {column} is not valid JSON: {reason}.",
    },
    "dataset.p.bad_json_line": {
        "zh": "第 {column} 列不是合法的 JSON：{reason}",
        "en": "column {column} is not valid JSON: {reason}",
    },
    "dataset.reason.value": {"zh": "这里缺一个值（文字要加双引号）", "en": "a value is missing here (text needs double quotes)"},
    "dataset.reason.property_name": {
        "zh": "这里应该是带双引号的字段名（最后一个字段后面不能有逗号）",
        "en": "a field name in double quotes was expected (no comma after the last field)",
    },
    "dataset.reason.colon": {"zh": "字段名后面缺冒号 :", "en": "a colon (:) is missing after a field name"},
    "dataset.reason.comma": {"zh": "这里缺逗号 ,", "en": "a comma (,) is missing here"},
    "dataset.reason.unterminated_string": {
        "zh": "从这里开始的文字没有结束的双引号",
        "en": "the text starting here has no closing double quote",
    },
    "dataset.reason.control_char": {"zh": "文字里有控制字符", "en": "a control character inside a text"},
    "dataset.reason.escape": {"zh": "反斜杠 \\ 后面的转义写错了", "en": "a wrong escape after a backslash (\\)"},
    "dataset.reason.extra_data": {
        "zh": "前面的内容已经完整，这里又多出了内容",
        "en": "more content after what was already complete",
    },
    "dataset.reason.trailing_comma": {
        "zh": "最后一项后面多了一个逗号",
        "en": "a comma after the last item",
    },
    "dataset.reason.truncated": {"zh": "文件在这里突然结束（不完整）", "en": "the file ends here, incomplete"},
    "dataset.reason.line_truncated": {
        "zh": "这一行在记录结束之前就断了（JSONL 每条记录必须写在一行里）",
        "en": "the line ends before its record does (JSONL needs each record on one line)",
    },
    "dataset.reason.other": {"zh": "格式错误", "en": "a syntax error"},
    "dataset.p.not_object": {"zh": "不是一个 JSON 对象", "en": "is not a JSON object"},
    "dataset.p.field_missing": {"zh": "{field} 缺失或不是文字", "en": "{field} is missing or not text"},
    "dataset.p.bad_history": {
        "zh": "history 必须是 [问题, 回答] 的列表",
        "en": "history must be a list of [question, answer]",
    },
    "dataset.p.bad_messages": {"zh": "对话列表的格式不对", "en": "the list of messages is malformed"},
    "dataset.p.unknown_shape": {"zh": "认不出格式（字段：{keys}）", "en": "unknown format (fields: {keys})"},
    "dataset.p.message_not_text": {"zh": "第 {n} 条消息不是文字", "en": "message {n} is not text"},
    "dataset.p.system_late": {
        "zh": "第 {n} 条消息：系统提示出现在对话中间",
        "en": "message {n}: a system message in the middle",
    },
    "dataset.p.two_questions": {"zh": "第 {n} 条消息前面连着两个提问", "en": "two questions in a row (message {n})"},
    "dataset.p.answer_first": {
        "zh": "第 {n} 条消息是回答，但前面没有提问",
        "en": "message {n} is an answer with no question",
    },
    "dataset.p.unknown_role": {
        "zh": "第 {n} 条消息的角色 {role} 认不出",
        "en": "message {n} has an unknown role {role}",
    },
    "dataset.p.no_answer": {"zh": "最后一个提问没有回答", "en": "the last question has no answer"},
    "dataset.p.no_turns": {"zh": "没有问答", "en": "has no question and answer"},
    "dataset.p.control_char": {
        "zh": "{field} 的第 {at} 个字符是控制字符 {char}（例如 NUL），模型不该学这种字符，请删掉它",
        "en": "{field} has a control character {char} (such as NUL) at character {at}; remove it",
    },
    "dataset.p.bad_csv": {
        "zh": "CSV 文件第 {line} 行读不了：{reason}。",
        "en": "The CSV file cannot be read at line {line}: {reason}.",
    },
    "dataset.reason.csv_nul": {"zh": "有 NUL 控制字符", "en": "it holds a NUL control character"},
    "dataset.reason.csv_quote": {
        "zh": "引号没有配对（带逗号或换行的内容要用双引号括起来）",
        "en": "a quote is not closed (a cell with commas or line breaks must be in double quotes)",
    },
    "dataset.reason.csv_other": {"zh": "格式错误", "en": "a format error"},
    "dataset.p.bad_xlsx": {"zh": "这不是能读的 Excel 文件：{reason}。", "en": "This is not a readable Excel file: {reason}."},
    "dataset.reason.xlsx_zip": {
        "zh": "文件已损坏，或者只是改了扩展名",
        "en": "the file is damaged, or only its extension says Excel",
    },
    "dataset.reason.xlsx_parts": {
        "zh": "它是压缩包，但不是 Excel 工作簿（可能是 Word 等别的文件）",
        "en": "it is a zip, but not an Excel workbook (perhaps a Word or other file)",
    },
    "dataset.reason.xlsx_other": {
        "zh": "Excel 读不出里面的表格，请在 Excel 里另存为 .xlsx 或 CSV",
        "en": "its sheets cannot be read; save it again as .xlsx or CSV in Excel",
    },
    "dataset.p.no_column": {"zh": "没有 {column} 这一列。", "en": "There is no column {column}."},
}
