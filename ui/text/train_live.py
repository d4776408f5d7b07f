"""Strings of the train page's live panel: the preparation phases, the charts, the sample answers."""

STRINGS = {
    "train.phase.starting": {"zh": "准备中：正在启动 XTuner…", "en": "Preparing: starting XTuner…"},
    "train.phase.model": {"zh": "准备中：正在加载模型…", "en": "Preparing: loading the model…"},
    "train.phase.data": {"zh": "准备中：正在读取数据文件…", "en": "Preparing: reading the data file…"},
    "train.phase.tokenize": {"zh": "准备中：正在把 {n} 条记录转成模型的词元（token）…",
                             "en": "Preparing: turning {n} records into the model's tokens…"},
    "train.phase.pack": {"zh": "准备中：正在把 {n} 条记录打包成训练样本…",
                         "en": "Preparing: packing {n} records into training samples…"},
    "train.phase.first_steps": {"zh": "数据已就绪（{n} 个训练样本），正在进行最初几步训练…",
                                "en": "The data is ready ({n} training samples); taking the first steps…"},
    "train.phase.samples": {"zh": "数据已就绪（{n} 个训练样本）。训练前先让模型试答样例问题，随后开始训练…",
                            "en": "The data is ready ({n} training samples). The model answers the sample questions "
                                  "once before training, then training starts…"},
    "train.phase.fraction": {"zh": "{text}（{pct}%）", "en": "{text} ({pct}%)"},
    "train.axis_iter": {"zh": "步", "en": "Iteration"},
    "train.sample_q": {"zh": "问：", "en": "Q: "},
    "train.sample_a": {"zh": "答：", "en": "A: "},
    "train.sample_view": {"zh": "回答", "en": "Answers"},
    "train.sample_raw": {"zh": "XTuner 的原始输出", "en": "XTuner's raw output"},
    "train.sample_empty": {"zh": "（没有回答）", "en": "(no answer)"},
    "train.sample_undecodable": {"zh": "（无法解码的字节）", "en": "(undecodable bytes)"},
    "train.sample_undecodable_note": {
        "zh": "「（无法解码的字节）」不是字体问题：模型还没学会时，常会吐出拼不成文字的字节。训练得越好，它们越少。",
        "en": "\"(undecodable bytes)\" is not a font problem: a model that has not learned yet often produces bytes "
              "that make no characters. The better it is trained, the fewer there are."},
}
