"""core.convert's checkpoint listing: a checkpoint cut short while saving is never offered."""

from __future__ import annotations

import torch

from core import convert


def test_a_checkpoint_cut_short_while_saving_is_skipped(tmp_path):
    """Stopping a training while it writes iter_20.pth leaves a file torch cannot load; resume and
    convert must take iter_10.pth, the newest complete one."""
    torch.save({"state_dict": {"w": torch.zeros(1000)}}, tmp_path / "iter_10.pth")
    torch.save({"state_dict": {"w": torch.zeros(1000)}}, tmp_path / "iter_20.pth")
    whole = (tmp_path / "iter_20.pth").read_bytes()
    (tmp_path / "iter_20.pth").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "iter_30.pth").mkdir()  # a DeepSpeed checkpoint is a folder
    assert [p.name for p in convert.checkpoints(tmp_path)] == ["iter_30.pth", "iter_10.pth"]
    (tmp_path / "iter_30.pth").rmdir()
    assert convert.latest_checkpoint(tmp_path) == tmp_path / "iter_10.pth"
    torch.load(convert.latest_checkpoint(tmp_path), weights_only=False)  # loadable
