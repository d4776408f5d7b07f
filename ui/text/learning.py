"""Strings of the learning check: did the model learn who it is (train page's end, convert's verify
step), and what is known of the steps a model needs (dataset page)."""

STRINGS: dict[str, dict[str, str]] = {
    "learning.learnt.train": {
        "zh": "学会了：最后的样例回答里，问「{q}」，它回答「{a}」，说出了{names}。",
        "en": "Learnt: in the last sample answers, asked “{q}”, it answers “{a}”, naming {names}.",
    },
    "learning.learnt.convert": {
        "zh": "合并后的模型学会了：问「{q}」，它回答「{a}」，说出了{names}。",
        "en": "The merged model has learnt it: asked “{q}”, it answers “{a}”, naming {names}.",
    },
    "learning.not_learnt.train": {
        "zh": "训练结束了，但模型还没有学会：最后的样例回答里，问「{q}」它回答「{a}」，没有说出{names}。",
        "en": "Training finished, but the model has not learnt it yet: in the last sample answers, asked “{q}”, "
              "it answers “{a}”, without naming {names}.",
    },
    "learning.not_learnt.convert": {
        "zh": "模型能加载，但还没有学会：问「{q}」它回答「{a}」，没有说出{names}。",
        "en": "The model loads, but has not learnt it yet: asked “{q}”, it answers “{a}”, without naming {names}.",
    },
    "learning.next": {
        "zh": "下一步：训练更久（配置页的训练轮数 max_epochs），或在数据集页增加每个问答的重复次数，然后重新训练。",
        "en": "Next: train longer (the config page's max_epochs), or repeat each pair more times on the dataset "
              "page, then train again.",
    },
    "learning.no_names": {
        "zh": "不知道主人的名字，没法判断模型有没有学会：请在数据集页填写主人的名字并保存数据集。",
        "en": "The owner's name is not known, so whether the model learnt it cannot be judged: enter the owner's "
              "name on the dataset page and save the dataset.",
    },
    "learning.owner_only": {"zh": "「{a}」", "en": "“{a}”"},
    "learning.owner_and_name": {"zh": "「{a}」和「{b}」", "en": "“{a}” and “{b}”"},
    "learning.loads": {"zh": "合并后的模型能加载，也有分词器。", "en": "The merged model loads and has its tokenizer."},
    "learning.answers": {"zh": "它的回答", "en": "Its answers"},
    "learning.advice.demo_short": {
        "zh": "实测：演示模型训练 {need} 步学会了自己的身份，{failed} 步的训练没有学会。按现在的数据和配置只有 {have} 步，"
              "它多半学不会：请增加每个问答的重复次数，或在配置页增加训练轮数。",
        "en": "Measured: the demo model learnt its identity in a {need}-step training, not in a {failed}-step one. "
              "The data and config now give {have} steps, so it will most likely not learn it: repeat each pair "
              "more times, or raise the epochs on the config page.",
    },
    "learning.advice.demo_ok": {
        "zh": "实测：演示模型训练 {need} 步学会了自己的身份（{failed} 步的没有学会）；现在计划 {have} 步，够了。"
              "训练结束时，训练页会按样例回答确认它学会了没有。",
        "en": "Measured: the demo model learnt its identity in a {need}-step training (not in a {failed}-step one); "
              "the plan has {have} steps: enough. When training ends, the train page checks the sample answers.",
    },
    "learning.advice.other": {
        "zh": "这个模型要多少步才能学会，本程序没有测过（现在计划 {have} 步）。已知的只有教程的设置："
              "InternLM2-Chat-1.8B、QLoRA、两条问答各 8,000 条、3 轮，共 96 步。训练结束时，训练页会按样例回答告诉你有没有学会。",
        "en": "How many steps this model needs has not been measured here (the plan has {have}). What is known is "
              "the tutorial's setting: InternLM2-Chat-1.8B, QLoRA, two pairs × 8,000 records, 3 epochs, 96 steps in "
              "all. When training ends, the train page says from the sample answers whether it learnt.",
    },
}
