"""core.jobs with small fake child processes: lifecycle, failures, stop, re-attach, pid reuse, exclusivity.

The children are plain ``python -c`` snippets run through the real supervisor
(core/job_runner.py); no XTuner is involved.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from core import jobs
from core.xtuner_cli import Invocation

ROOT = Path(__file__).resolve().parents[2]


def py(code: str, env: dict[str, str] | None = None, drop_env: tuple[str, ...] = ()) -> Invocation:
    return Invocation(argv=[sys.executable, "-c", code], env=env or {}, display=f"python -c {code[:30]!r}",
                      drop_env=drop_env)


def step(name: str, code: str, **kw) -> jobs.Step:
    return jobs.Step(name, py(code, **kw))


# Bounds on waiting only: a child Python starts in well under a second on an idle machine, but
# can take many seconds when other work shares the cores.
WAIT = 120.0


def wait_for(pred, timeout: float = WAIT, interval: float = 0.02, what=None):
    """``pred()`` once truthy; at the deadline fail naming ``what`` (a string, or a callable asked
    then), by default the predicate's source line."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    if callable(what):
        what = what()
    if what is None:
        try:
            what = inspect.getsource(pred).strip()
        except (OSError, TypeError):
            what = repr(pred)
    raise AssertionError(f"timed out after {timeout} s waiting for: {what}")


def wait_done(job_dir: Path, timeout: float = WAIT) -> jobs.JobStatus:
    def finished():
        st = jobs.status(job_dir)
        return None if st.active else st

    def what() -> str:
        log = jobs.log_path(job_dir)
        return f"job {job_dir} to end; its log:\n{log.read_text()[-1500:] if log.exists() else '-'}"

    return wait_for(finished, timeout, what=what)


def log_text(job_dir: Path) -> str:
    return jobs.log_path(job_dir).read_text(encoding="utf-8", errors="replace")


def child_ready(job_dir: Path) -> bool:
    """The step's own "ready" line (the supervisor's step header quotes the code, "ready" included)."""
    return "ready" in log_text(job_dir).splitlines()


def live_in_group(pgid: int) -> list[int]:
    """Pids of non-zombie processes whose process group is ``pgid``."""
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.info["pid"]) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.info["pid"])
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def pid_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


SLEEPER = "import time\nprint('ready', flush=True)\nwhile True: time.sleep(0.05)\n"
STUBBORN = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "while True: time.sleep(0.05)\n"
)


@pytest.fixture()
def cleanup():
    """Job folders to force-stop after the test, whatever happened in it."""
    started: list[Path] = []
    yield started
    for job_dir in started:
        rec = jobs.status(job_dir).record
        pgid = rec.get("pgid")
        if pgid and live_in_group(pgid):
            try:
                os.killpg(pgid, 9)
            except ProcessLookupError:
                pass


# ---------------------------------------------------------------- lifecycle


def test_success_goes_running_then_succeeded(tmp_path, cleanup):
    job = tmp_path / "job"
    gate = tmp_path / "go"
    code = (f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.02)\n"
            "print('hello from the child', flush=True)\n")
    cleanup.append(job)
    st = jobs.start(job, [step("only", code)], kind="test", meta={"x": 1})
    assert st.state == jobs.RUNNING and st.active and st.exit_code is None
    assert st.record["meta"] == {"x": 1} and st.record["kind"] == "test"
    assert st.record["pid"] == st.record["pgid"]
    time.sleep(0.2)
    assert jobs.status(job).state == jobs.RUNNING  # still waiting on the gate
    gate.write_text("go")
    done = wait_done(job)
    assert done.state == jobs.SUCCEEDED
    assert done.exit_code == 0 and done.failed_step is None
    assert done.finished is not None and done.started <= done.finished
    assert "hello from the child" in log_text(job)


def test_crash_is_failed_with_exit_code_and_step(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    jobs.start(job, [step("boom", "import sys; print('about to fail', flush=True); sys.exit(3)")], kind="test")
    done = wait_done(job)
    assert done.state == jobs.FAILED
    assert done.exit_code == 3
    assert done.failed_step == "boom"
    assert "about to fail" in log_text(job)


def test_multi_step_job_stops_at_first_failing_step(tmp_path, cleanup):
    job = tmp_path / "job"
    marks = tmp_path / "marks"
    marks.mkdir()
    cleanup.append(job)

    def touch(name: str, code: int) -> str:
        return f"import pathlib, sys\npathlib.Path({str(marks / name)!r}).touch()\nsys.exit({code})\n"

    jobs.start(job, [step("one", touch("one", 0)), step("two", touch("two", 5)), step("three", touch("three", 0))],
               kind="test")
    done = wait_done(job)
    assert (done.state, done.exit_code, done.failed_step) == (jobs.FAILED, 5, "two")
    assert sorted(p.name for p in marks.iterdir()) == ["one", "two"]  # step three never ran
    log = log_text(job)
    assert "[1/3] one" in log and "[2/3] two" in log and "[3/3]" not in log


def test_all_steps_succeeding_run_in_order(tmp_path, cleanup):
    job = tmp_path / "job"
    out = tmp_path / "order.txt"
    cleanup.append(job)
    steps = [step(n, f"open({str(out)!r}, 'a').write({n!r} + '\\n')") for n in ("a", "b", "c")]
    jobs.start(job, steps, kind="test")
    done = wait_done(job)
    assert done.state == jobs.SUCCEEDED
    assert out.read_text().split() == ["a", "b", "c"]


def test_step_env_and_drop_env_reach_the_child(tmp_path, cleanup, monkeypatch):
    monkeypatch.setenv("STUDIO_TEST_DROP_ME", "present")
    job = tmp_path / "job"
    cleanup.append(job)
    code = ("import os\nprint('SET=' + os.environ.get('STUDIO_TEST_SET', '<none>'))\n"
            "print('DROP=' + os.environ.get('STUDIO_TEST_DROP_ME', '<none>'), flush=True)\n")
    jobs.start(job, [step("env", code, env={"STUDIO_TEST_SET": "yes"}, drop_env=("STUDIO_TEST_DROP_ME",))],
               kind="test")
    assert wait_done(job).state == jobs.SUCCEEDED
    log = log_text(job)
    assert "SET=yes" in log and "DROP=<none>" in log


def test_output_of_stdout_and_stderr_lands_in_output_log(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    code = ("import sys\nprint('to stdout 中文', flush=True)\n"
            "sys.stderr.write('to stderr\\n'); sys.stderr.flush()\n")
    jobs.start(job, [step("talk", code)], kind="test")
    assert wait_done(job).state == jobs.SUCCEEDED
    log = log_text(job)
    assert jobs.log_path(job) == job / "output.log"
    assert "to stdout 中文" in log and "to stderr" in log
    assert "talk exited with code 0" in log


def test_command_that_cannot_start_fails_with_127(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    inv = Invocation(argv=[str(tmp_path / "no-such-program")], display="nothing")
    jobs.start(job, [jobs.Step("missing", inv)], kind="test")
    done = wait_done(job)
    assert (done.state, done.exit_code, done.failed_step) == (jobs.FAILED, 127, "missing")


def test_start_refuses_empty_steps_and_a_used_folder(tmp_path, cleanup):
    with pytest.raises(jobs.JobError):
        jobs.start(tmp_path / "empty", [], kind="test")
    job = tmp_path / "job"
    cleanup.append(job)
    jobs.start(job, [step("quick", "pass")], kind="test")
    with pytest.raises(jobs.JobError, match="already holds a job"):
        jobs.start(job, [step("quick", "pass")], kind="test")
    wait_done(job)


# ---------------------------------------------------------------- stop


def test_stop_long_running_child(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    st = jobs.start(job, [step("sleep", SLEEPER), step("never", "open('x','w')")], kind="test", cwd=tmp_path)
    pgid = st.record["pgid"]
    wait_for(lambda: child_ready(job))
    stopped = jobs.stop(job, grace=20)
    assert stopped.state == jobs.STOPPED and not stopped.active
    # SIGTERM was enough: the supervisor lived on to record how its child ended.
    assert stopped.exit_code == -signal.SIGTERM
    assert stopped.failed_step == "sleep"
    assert live_in_group(pgid) == []
    assert not (tmp_path / "x").exists()  # the step after the stopped one did not run
    assert jobs.status(job).state == jobs.STOPPED
    # Stopping again is harmless.
    assert jobs.stop(job).state == jobs.STOPPED


def test_stop_forces_a_child_that_ignores_sigterm(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    st = jobs.start(job, [step("stubborn", STUBBORN)], kind="test")
    pgid = st.record["pgid"]
    wait_for(lambda: child_ready(job))
    t0 = time.time()
    stopped = jobs.stop(job, grace=1.0)
    took = time.time() - t0
    assert took >= 1.0  # it waited out the grace period before SIGKILL
    assert took < 30
    assert stopped.state == jobs.STOPPED
    assert stopped.exit_code is None  # the supervisor went down with the group: no exit record
    assert live_in_group(pgid) == []


def test_stop_kills_grandchildren_too(tmp_path, cleanup):
    job = tmp_path / "job"
    pidfile = tmp_path / "grandchild.pid"
    cleanup.append(job)
    grandchild = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pidfile)!r} + '.tmp', 'w').write(str(os.getpid()))\n"
        f"os.replace({str(pidfile)!r} + '.tmp', {str(pidfile)!r})\n"
        "while True: time.sleep(0.05)\n"
    )
    code = (
        "import os, subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        f"while not os.path.exists({str(pidfile)!r}): time.sleep(0.01)\n"
        "print('ready', flush=True)\n"
        "while True: time.sleep(0.05)\n"
    )
    st = jobs.start(job, [step("parent", code)], kind="test")
    pgid = st.record["pgid"]
    wait_for(lambda: child_ready(job))
    gpid = int(pidfile.read_text())
    assert pid_alive(gpid)
    child_pids = [p.pid for p in psutil.Process(st.record["pid"]).children(recursive=True)]
    assert gpid in child_pids
    t0 = time.time()
    stopped = jobs.stop(job, grace=1.0)
    assert time.time() - t0 >= 1.0  # the grandchild ignored SIGTERM: it took the SIGKILL
    assert stopped.state == jobs.STOPPED
    assert not pid_alive(gpid)
    assert not any(pid_alive(p) for p in child_pids)
    assert live_in_group(pgid) == []


def test_stop_of_a_finished_job_changes_nothing(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    jobs.start(job, [step("quick", "pass")], kind="test")
    assert wait_done(job).state == jobs.SUCCEEDED
    assert jobs.stop(job).state == jobs.SUCCEEDED
    assert not (job / "stop.json").exists()


# ---------------------------------------------------------------- re-attach and pid reuse


def _status_in_fresh_process(job_dir: Path) -> dict:
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from core import jobs\n"
        f"st = jobs.status({str(job_dir)!r})\n"
        "print(json.dumps({'state': st.state, 'exit_code': st.exit_code, 'pid': st.record.get('pid')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_reattach_from_another_process_sees_the_same_state(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    st = jobs.start(job, [step("sleep", SLEEPER)], kind="test")
    wait_for(lambda: child_ready(job))
    fresh = _status_in_fresh_process(job)
    assert fresh == {"state": jobs.RUNNING, "exit_code": None, "pid": st.record["pid"]}
    jobs.stop(job, grace=5)
    fresh = _status_in_fresh_process(job)
    assert fresh["state"] == jobs.STOPPED == jobs.status(job).state


def test_reattach_after_exit_reads_the_recorded_exit_code(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    jobs.start(job, [step("crash", "raise SystemExit(4)")], kind="test")
    local = wait_done(job)
    fresh = _status_in_fresh_process(job)
    assert fresh["state"] == local.state == jobs.FAILED
    assert fresh["exit_code"] == local.exit_code == 4


def _fake_record(job: Path, pid: int, create_time: float | None, started: float | None = None,
                 **extra) -> None:
    job.mkdir(parents=True, exist_ok=True)
    (job / "job.json").write_text(json.dumps({
        "kind": "test", "steps": [], "meta": {}, "started": started or time.time() - 100,
        "pid": pid, "pgid": pid, "create_time": create_time, **extra,
    }))


def test_a_running_job_survives_a_clock_step(tmp_path):
    """The start time since boot (clock ticks) decides, not the wall clock: after the system clock
    jumps, the wall-clock start time psutil reports moves with it."""
    me = psutil.Process(os.getpid())
    ticks = jobs._start_ticks(me.pid)
    assert isinstance(ticks, int) and ticks > 0
    stepped = tmp_path / "stepped"
    _fake_record(stepped, me.pid, me.create_time() + 5.0, start_ticks=ticks)  # recorded before a 5 s step
    assert jobs.status(stepped).state == jobs.RUNNING
    reused = tmp_path / "reused"
    _fake_record(reused, me.pid, me.create_time(), start_ticks=ticks - 1)  # another process with this pid
    assert jobs.status(reused).state == jobs.FAILED


def test_a_stop_that_comes_while_a_step_starts_reaches_the_step(tmp_path):
    """stop() writes stop.json, then signals the group. If the signal lands after the supervisor's
    check but before the step's process exists, the supervisor must still stop the step. Replayed
    in a separate process by making stop.json appear just before the step's process is created."""
    job = tmp_path / "job"
    job.mkdir()
    (job / "job.json").write_text(json.dumps({"kind": "test", "steps": [
        {"name": "sleep", "argv": [sys.executable, "-c", "import time; time.sleep(60)"], "display": "sleep"}]}))
    script = (
        "import json, subprocess, sys, time\n"
        "from pathlib import Path\n"
        "from core import job_runner\n"
        "job = Path(sys.argv[1])\n"
        "real = subprocess.Popen\n"
        "def late_stop(*a, **k):\n"
        "    (job / 'stop.json').write_text(json.dumps({'t': time.time()}))\n"
        "    return real(*a, **k)\n"
        "job_runner.subprocess.Popen = late_stop\n"
        "job_runner.main(job)\n"
    )
    t0 = time.time()
    subprocess.run([sys.executable, "-c", script, str(job)], cwd=ROOT, timeout=50, check=True)
    assert time.time() - t0 < 30  # not the step's 60 s
    st = jobs.status(job)
    assert st.state == jobs.STOPPED and st.exit_code == -signal.SIGTERM and st.failed_step == "sleep"


def test_reused_pid_is_not_taken_for_the_job(tmp_path):
    me = psutil.Process(os.getpid())
    # Same live pid, but the recorded process started long before this one: the pid was reused.
    reused = tmp_path / "reused"
    _fake_record(reused, me.pid, me.create_time() - 1000)
    st = jobs.status(reused)
    assert not st.active
    assert st.state == jobs.FAILED and st.exit_code is None
    assert jobs.active_jobs(tmp_path) == []
    # Control: the same record with the true create time is taken as running.
    same = tmp_path / "same"
    _fake_record(same, me.pid, me.create_time())
    assert jobs.status(same).state == jobs.RUNNING
    assert jobs.active_jobs(tmp_path) == [same]


def test_dead_supervisor_without_exit_record_is_failed_or_stopped(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    gone = tmp_path / "gone"
    _fake_record(gone, proc.pid, None)
    assert jobs.status(gone).state == jobs.FAILED
    (gone / "stop.json").write_text(json.dumps({"t": 123.0}))
    st = jobs.status(gone)
    assert st.state == jobs.STOPPED and st.finished == 123.0


# ---------------------------------------------------------------- exclusive start


def test_exclusive_start_refuses_while_another_runs(tmp_path, cleanup):
    parent = tmp_path / "runs"
    first, second, third = parent / "a", parent / "b", parent / "c"
    cleanup.extend([first, second, third])
    jobs.start(first, [step("sleep", SLEEPER)], kind="train", exclusive_in=parent)
    with pytest.raises(jobs.JobError, match="another train job"):
        jobs.start(second, [step("sleep", SLEEPER)], kind="train", exclusive_in=parent)
    assert not (second / "job.json").exists()
    # Another kind is not blocked.
    jobs.start(third, [step("quick", "pass")], kind="convert", exclusive_in=parent)
    assert jobs.active_jobs(parent, "train") == [first]
    jobs.stop(first, grace=5)
    wait_done(third)
    # Once the first has stopped, a new one may start.
    jobs.start(second, [step("quick", "pass")], kind="train", exclusive_in=parent)
    assert wait_done(second).state == jobs.SUCCEEDED


def test_exclusive_start_from_two_threads_starts_one(tmp_path, cleanup):
    parent = tmp_path / "runs"
    dirs = [parent / f"job{i}" for i in range(4)]
    cleanup.extend(dirs)
    barrier = threading.Barrier(len(dirs))
    results: dict[Path, object] = {}

    def go(d: Path) -> None:
        barrier.wait()
        try:
            results[d] = jobs.start(d, [step("sleep", SLEEPER)], kind="train", exclusive_in=parent)
        except jobs.JobError as exc:
            results[d] = exc

    threads = [threading.Thread(target=go, args=(d,)) for d in dirs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [d for d, r in results.items() if isinstance(r, jobs.JobStatus)]
    losers = [d for d, r in results.items() if isinstance(r, jobs.JobError)]
    assert len(winners) == 1, results
    assert len(losers) == len(dirs) - 1
    assert jobs.active_jobs(parent, "train") == winners
    jobs.stop(winners[0], grace=5)


def test_two_starts_into_the_same_folder_start_one(tmp_path, cleanup):
    job = tmp_path / "job"
    cleanup.append(job)
    lock_file = tmp_path / ".job.lock"  # the lock start() takes without exclusive_in
    results: list[object] = []

    def go() -> None:
        try:
            results.append(jobs.start(job, [step("sleep", SLEEPER)], kind="convert"))
        except jobs.JobError as exc:
            results.append(exc)

    # Hold the lock so both callers are inside start() (past its first check) before either proceeds:
    # the interleaving two quick clicks can produce by chance, made certain here.
    with open(lock_file, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        threads = [threading.Thread(target=go) for _ in range(2)]
        for t in threads:
            t.start()
        inode = os.fstat(f.fileno()).st_ino
        # Both callers are blocked on the lock (kernel's list of waiters), so both passed the first check.
        wait_for(lambda: sum(1 for line in open("/proc/locks") if "->" in line and f":{inode} " in line) == 2,
                 timeout=30)
        fcntl.flock(f, fcntl.LOCK_UN)
    for t in threads:
        t.join(30)
    started = [r for r in results if isinstance(r, jobs.JobStatus)]
    try:
        assert len(started) == 1, f"{len(started)} supervisors were started for one job folder"
    finally:
        for r in started:
            pgid = r.record.get("pgid")
            if pgid:
                try:
                    os.killpg(pgid, 9)
                except ProcessLookupError:
                    pass


def test_a_steps_pythonpath_goes_first_and_keeps_the_callers(tmp_path, cleanup, monkeypatch):
    """The app puts its folder on XTuner's PYTHONPATH (its hooks); packages a person installed
    through PYTHONPATH (as on the GPU machines, where wheels go to a folder) must stay visible."""
    monkeypatch.setenv("PYTHONPATH", "/caller/site")
    job = tmp_path / "job"
    cleanup.append(job)
    code = "import os\nprint('PP=' + os.environ['PYTHONPATH'], flush=True)\n"
    jobs.start(job, [step("env", code, env={"PYTHONPATH": "/app/root"})], kind="test")
    assert wait_done(job).state == jobs.SUCCEEDED
    assert f"PP=/app/root{os.pathsep}/caller/site" in log_text(job)
