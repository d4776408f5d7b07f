"""Strings of the retry after a failed training (ui/retry_panel.py)."""

STRINGS = {
    "retry.recipe": {
        "zh": "下一步可以试配方 **{recipe}**（每卡批 {mb} × 累积 {accum}，等效批大小不变）：按这次运行实际用到的显存推算，约需 {need}，放得下。"
              "同样的数据、同样的随机种子；原来的配置文件保留不动，新配置另存一份。",
        "en": "Next, try recipe **{recipe}** (micro-batch {mb} × accumulation {accum}, the same effective batch): judged by "
              "what this run really used, it needs about {need}, which fits. Same data, same seed; your config stays as "
              "it is and the new one is saved beside it.",
    },
    "retry.workers": {
        "zh": "可以用 1 个数据预处理进程再训练一次（同样的配置、数据和随机种子）。",
        "en": "It can train again with 1 tokenizing process (same config, data and seed).",
    },
    "retry.start": {"zh": "按建议重试", "en": "Retry as suggested"},
    "retry.failed": {"zh": "没能开始重试：{reason}", "en": "The retry could not start: {reason}"},
    "retry.auto": {"zh": "显存不够或预处理进程出错时自动重试", "en": "Retry by itself after out of memory or dead tokenizing processes"},
    "retry.auto_help": {
        "zh": "勾上后，如果训练因为 GPU 显存不够失败，会自动换成下一个放得下的配方（按这次实际用到的显存推算）再训练；"
              "如果是数据预处理的子进程出错，就改用 1 个进程再训练。最多连续重试 3 次。",
        "en": "If the training fails for lack of GPU memory, it starts again with the next recipe that fits (judged by "
              "what the run really used); if the tokenizing processes died, it starts again with one. At most 3 retries "
              "in a row.",
    },
}
