"""The launcher's epoch fix: mmengine's endless loader iterator, with and without loader workers.

mmengine sleeps 2 s before restarting the loader at an epoch's end; the launcher
(:func:`core.xtuner_launcher.skip_epoch_pause_without_workers`) skips that sleep when the loader
has no worker processes and keeps it when it has. The real iterator runs over a real DataLoader;
``time.sleep`` is recorded, not waited.
"""

from __future__ import annotations

import time

import pytest
from mmengine.runner import loops
from torch.utils.data import DataLoader

from core import xtuner_launcher


@pytest.fixture()
def fixed(monkeypatch):
    """The launcher's fix for this test (the iterator's own ``__next__`` put back after); the sleeps asked."""
    monkeypatch.setattr(loops._InfiniteDataloaderIterator, "__next__", loops._InfiniteDataloaderIterator.__next__)
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    xtuner_launcher.skip_epoch_pause_without_workers()
    return slept


def _three_epochs(num_workers: int) -> list:
    it = loops._InfiniteDataloaderIterator(DataLoader(list(range(4)), batch_size=2, num_workers=num_workers))
    return [next(it).tolist() for _ in range(6)]


def test_no_pause_between_epochs_without_workers(fixed):
    batches = _three_epochs(num_workers=0)
    assert batches == [[0, 1], [2, 3]] * 3  # every epoch restarted, every batch there
    assert fixed == []
    assert loops.time is time  # mmengine's module has its time back


def test_the_pause_stays_with_workers(fixed):
    batches = _three_epochs(num_workers=1)
    assert batches == [[0, 1], [2, 3]] * 3
    assert fixed == [2, 2]  # mmengine's own sleep, once per restart


def test_without_the_fix_mmengine_pauses(monkeypatch):
    """The reason for the fix: mmengine itself sleeps at every restart, workers or not."""
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    _three_epochs(num_workers=0)
    assert slept == [2, 2]
