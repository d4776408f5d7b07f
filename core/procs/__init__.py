"""Programs the app runs as child processes, each a module of its own (``python core/procs/<name>.py ...``).

They run in XTuner's environment, often in a job that outlives the app: each imports only the standard
library and what it is there to use (mmengine, torch), never the app (tests/unit/test_structure.py)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """The file of program ``name`` (``python <path> ...`` runs it)."""
    found = HERE / f"{name}.py"
    if not found.is_file():
        raise FileNotFoundError(found)
    return found
