"""Strings of how a run ended and what to do next (Train page), a running run's checkpoints
(Convert & merge), and the hardware the step counts are for (Dataset page)."""

STRINGS = {
    "run.end.succeeded": {"zh": "训练完成：{n} 步全部训练完了。", "en": "Training finished: all {n} iterations done."},
    "run.end.succeeded_plain": {"zh": "训练完成。", "en": "Training finished."},
    "run.end.stopped": {"zh": "已停止，停在第 {i} / {n} 步。", "en": "Stopped at iteration {i} of {n}."},
    "run.end.stopped_early": {"zh": "已停止，还没训练到第一步。", "en": "Stopped before the first iteration."},
    "run.end.failed": {"zh": "失败，停在第 {i} / {n} 步。", "en": "Failed at iteration {i} of {n}."},
    "run.end.failed_early": {"zh": "失败，还没训练到第一步。", "en": "Failed before the first iteration."},
    "run.next.convert": {"zh": "下一步：到「转换与合并」页，把这次运行最新的检查点转换成适配器并合并成模型。",
                         "en": "Next: on the Convert & merge page, turn this run's newest checkpoint into an adapter "
                               "and merge it into a model."},
    "run.next.resume": {"zh": "下一步：从检查点 {ckpt}（第 {at} 步）继续训练：在下面选好检查点，点「从检查点继续训练」。"
                              "继续的训练还是这一次运行。",
                        "en": "Next: resume from checkpoint {ckpt} (iteration {at}): pick it below and click "
                              "\"Resume from a checkpoint\". The resumed training stays this same run."},
    "run.next.restart": {"zh": "下一步：在上面用同一个配置重新开始训练。", "en": "Next: start the training again above, with the same config."},
    "run.next.fix_first": {"zh": "先按上面的说明解决问题。", "en": "First fix what the message above says."},
    "run.resumed_at": {"zh": "从第 {steps} 步继续（图中的竖线）。", "en": "Resumed at iteration {steps} (the vertical line in the charts)."},
    "run.steps_sep": {"zh": "、", "en": ", "},
    "convert.running_mark": {"zh": "（训练中）", "en": " (still training)"},
    "convert.running_warn": {"zh": "这次运行还在训练中：它的检查点是训练到一半时保存的，模型还没学完，转换出来的也只是半成品。"
                                   "等训练完成再转换更好。",
                             "en": "This run is still training: its checkpoints were saved half-way, the model has not "
                                   "finished learning, and converting one gives a half-trained model. Better wait until "
                                   "the training has finished."},
    "convert.running_confirm": {"zh": "我知道训练还没结束，仍然要转换这个检查点",
                                "en": "I know the training has not finished; convert this checkpoint anyway"},
    "dataset.hw_cpu": {"zh": "训练硬件", "en": "Training hardware"},
    "dataset.hw_cpu_value": {"zh": "CPU", "en": "CPU"},
    "dataset.hw_cpu_help": {"zh": "这台机器没有 GPU，训练在 CPU 上用 1 个进程，步数按此计算。",
                            "en": "This machine has no GPU: training runs as one process on the CPU, and the "
                                  "iterations are counted for that."},
}
