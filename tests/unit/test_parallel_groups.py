"""./test.sh runs tests in parallel processes: tests that share the trained run must land in one.

Runs pytest with pytest-xdist (two workers, ``--dist loadgroup``) over a few generated tests that use
a ``trained`` fixture, with the project's own grouping hook (tests/conftest.py), and checks that all
of them ran in one worker process. This fails when a pytest or pytest-xdist version ignores the groups
(pytest 9.2 does), which would build the trained run once per worker and let tests on different
workers change one workspace at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = '''
import pytest
from tests.conftest import pytest_collection_modifyitems  # noqa: F401  (the project's grouping)

@pytest.fixture(scope="session")
def trained():
    return None
'''

TESTS = '''
import os
import time

import pytest

def record(kind):
    time.sleep(0.2)
    with open(os.environ["GROUPS_OUT"], "a") as f:
        f.write(kind + " " + os.environ["PYTEST_XDIST_WORKER"] + "\\n")

@pytest.mark.parametrize("i", range(6))
def test_shared(trained, i):
    record("trained")

@pytest.mark.parametrize("i", range(6))
def test_alone(i):
    record("alone")
'''


def test_tests_sharing_the_trained_run_run_in_one_worker(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_generated.py").write_text(TESTS)
    out = tmp_path / "workers.txt"
    env = dict(os.environ, PYTHONPATH=str(ROOT), GROUPS_OUT=str(out))
    env.pop("PYTEST_ADDOPTS", None)  # the outer run's options (e.g. its --basetemp) are not this run's
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                           "--dist", "loadgroup", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [line.split() for line in out.read_text().splitlines()]
    trained_workers = {worker for kind, worker in lines if kind == "trained"}
    all_workers = {worker for _, worker in lines}
    assert len(lines) == 12
    assert len(trained_workers) == 1, f"the trained tests ran in {sorted(trained_workers)}"
    assert len(all_workers) == 2, "the other tests should be spread over both workers"
