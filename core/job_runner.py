"""Supervisor of one background job: run its steps in order, record the exit code on disk.

Started by :mod:`core.jobs` as ``python core/job_runner.py JOB_DIR`` in a new process
session, with stdout/stderr already sent to the job's log file. It runs each step of
``job.json`` as a child in the same process group (so stopping the group stops them all),
stops at the first step that fails, and writes ``exit.json`` atomically. Because it, and
not the app, waits for the children, the true exit code is recorded even when the app
server is gone. It imports nothing from the app.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _write_json(path: Path, obj: object) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(job_dir: Path) -> int:
    record = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    steps = record["steps"]
    # The group gets stop signals; the supervisor lives on to record what the children did.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 0
    failed_step = None
    for i, step in enumerate(steps, 1):
        if (job_dir / "stop.json").exists():
            code, failed_step = -signal.SIGTERM, step["name"]
            break
        print(f"==> [{i}/{len(steps)}] {step['name']}: {step.get('display', '')}", flush=True)
        _write_json(job_dir / "progress.json", {"step": i, "of": len(steps), "name": step["name"], "t": time.time()})
        env = dict(os.environ)
        for key in step.get("drop_env", []):
            env.pop(key, None)
        for key, value in step.get("env", {}).items():
            if key == "PYTHONPATH" and env.get(key):  # the step's folders first, the caller's kept
                value = value + os.pathsep + env[key]
            env[key] = value
        try:
            child = subprocess.Popen(
                step["argv"], cwd=record.get("cwd") or None, env=env,
                preexec_fn=lambda: (signal.signal(signal.SIGTERM, signal.SIG_DFL),
                                    signal.signal(signal.SIGINT, signal.SIG_DFL)),
            )
        except OSError as exc:
            print(f"==> could not start {step['name']}: {exc}", flush=True)
            code, failed_step = 127, step["name"]
            break
        if (job_dir / "stop.json").exists():
            # A stop that came while this step was starting: its SIGTERM may have reached the group
            # before the child existed (or while it still ignored SIGTERM), so pass it on.
            child.terminate()
        code = child.wait()
        print(f"==> {step['name']} exited with code {code}", flush=True)
        if code != 0:
            failed_step = step["name"]
            break
    _write_json(job_dir / "exit.json", {"exit_code": code, "failed_step": failed_step, "finished": time.time()})
    stopped = (job_dir / "stop.json").exists()
    if code != 0 and not stopped and record.get("on_failure"):
        print(f"==> after the failure: {' '.join(record['on_failure'])}", flush=True)
        try:  # detached: it waits for this supervisor to be gone before it acts
            subprocess.Popen(record["on_failure"], cwd=record.get("cwd") or None, stdin=subprocess.DEVNULL,
                             stdout=sys.stdout, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            print(f"==> could not start it: {exc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
