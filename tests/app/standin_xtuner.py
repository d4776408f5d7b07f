"""A stand-in for ``xtuner train`` in page tests: writes what XTuner writes, in a second.

Usage: ``standin_xtuner.py WORK_DIR TOTAL PAUSE_AT [--resume CKPT]``. It logs an
``Iter(train)`` line every 10 iterations (mmengine's format, with an ``eta``), one
``vis_data/scalars.json`` row per logged line in a folder of its own per start (as XTuner
does), and a real (zip) checkpoint every 30 iterations with ``last_checkpoint``. A first
start waits at ``PAUSE_AT`` (0 = never) until it is stopped; a resumed one goes to the end.
The real XTuner does all this in tests/e2e/test_train_lifecycle.py; this one lets the
Train page's own logic be tested in seconds.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path


def main() -> int:
    work_dir, total, pause_at = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    resume = sys.argv[sys.argv.index("--resume") + 1] if "--resume" in sys.argv else None
    start = int(Path(resume).stem.split("_")[1]) if resume else 0
    stamp = time.strftime("%Y%m%d_%H%M%S") + f"{time.time_ns() % 1000:03d}"
    vis = work_dir / stamp / "vis_data"
    vis.mkdir(parents=True, exist_ok=True)
    for it in range(start + 1, total + 1):
        if it % 10 == 0:
            now = time.strftime("%m/%d %H:%M:%S")
            print(f"{now} - mmengine - INFO - Iter(train) [{it:3d}/{total}]  lr: 1.0000e-04  eta: 0:01:{it % 60:02d}  "
                  f"time: 0.5000  data_time: 0.0100  memory: 0  loss: {3 - it / total:.4f}", flush=True)
            with open(vis / "scalars.json", "a", encoding="utf-8") as f:
                f.write(json.dumps({"lr": 1e-4, "loss": 3 - it / total, "iter": it}) + "\n")
        if it % 30 == 0:
            ckpt = work_dir / f"iter_{it}.pth"
            with zipfile.ZipFile(ckpt, "w") as z:
                z.writestr("data.pkl", b"stand-in")
            (work_dir / "last_checkpoint").write_text(str(ckpt), encoding="utf-8")
            print(f"{time.strftime('%m/%d %H:%M:%S')} - mmengine - INFO - Saving checkpoint at {it} iterations",
                  flush=True)
        if not resume and it == pause_at:
            while True:  # a long training, until someone stops it
                time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
