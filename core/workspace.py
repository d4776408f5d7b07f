"""Where things live on disk, atomic writes, versioned saves and the workspace settings.

One workspace folder holds everything a person makes: models made here, datasets,
configs, runs (each with XTuner's work dir, adapter, merged model, job record and log)
and settings. The folder is chosen by, in order: an explicit argument (the app's
``-- --workspace DIR``), the ``ASSISTANT_STUDIO_WORKSPACE`` environment variable,
``./workspace``.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_VAR = "ASSISTANT_STUDIO_WORKSPACE"
DEFAULT_DIR = "workspace"
VERSIONS_DIR = ".versions"
KEEP_VERSIONS = 20


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half."""
    atomic_write_chunks(path, [data])


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """Write the ``chunks`` one after another to ``path``, atomically (a large file never sits whole
    in memory); if making them fails, the old file stays as it was."""
    path = Path(path)
    tmp = _write_temp(path, chunks)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_temp(path: Path, chunks: Iterable[bytes]) -> Path:
    """The ``chunks`` written and synced to a new hidden file next to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def read_json(path: Path, default: Any = None) -> Any:
    """Read a JSON file; ``default`` when it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def versioned_write_text(path: Path, text: str) -> Path | None:
    """Write ``text`` atomically; keep the previous content under ``.versions/``.

    Returns the path of the kept previous version (None when there was none or it was
    identical). Older versions beyond ``KEEP_VERSIONS`` are pruned.
    """
    return versioned_write_chunks(path, [text.encode("utf-8")])


def versioned_write_chunks(path: Path, chunks: Iterable[bytes]) -> Path | None:
    """:func:`versioned_write_text` for content given in pieces (neither file is read whole)."""
    path = Path(path)
    tmp = _write_temp(path, chunks)
    try:
        kept: Path | None = None
        if path.exists():
            if filecmp.cmp(tmp, path, shallow=False):
                tmp.unlink()
                return None
            vdir = path.parent / VERSIONS_DIR
            vdir.mkdir(parents=True, exist_ok=True)
            ns = time.time_ns()
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(ns / 1e9))
            kept = vdir / f"{path.stem}.{stamp}.{ns % 10**9:09d}{path.suffix}"
            atomic_write_chunks(kept, _file_chunks(path))
            for old in list_versions(path)[KEEP_VERSIONS:]:
                old.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return kept


def _file_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def list_versions(path: Path) -> list[Path]:
    """Earlier versions of ``path``, newest first."""
    path = Path(path)
    vdir = path.parent / VERSIONS_DIR
    if not vdir.is_dir():
        return []
    found = [p for p in vdir.glob(f"{path.stem}.*{path.suffix}") if p.is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and the fixed places inside it."""

    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike | None = None) -> Workspace:
        chosen = explicit or os.environ.get(ENV_VAR) or DEFAULT_DIR
        ws = cls(Path(chosen).expanduser().resolve())
        ws.ensure()
        return ws

    def ensure(self) -> None:
        for d in (self.root, self.models_dir, self.data_dir, self.configs_dir, self.runs_dir):
            d.mkdir(parents=True, exist_ok=True)

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def demo_model_dir(self) -> Path:
        return self.models_dir / "demo-tiny-llama"

    @property
    def data_dir(self) -> Path:
        return self.root / "datas"

    @property
    def dataset_path(self) -> Path:
        """The dataset training reads (the tutorial's ``datas/assistant.json``)."""
        return self.data_dir / "assistant.json"

    @property
    def configs_dir(self) -> Path:
        return self.root / "configs"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def settings_path(self) -> Path:
        return self.root / "settings.json"

    def settings(self) -> dict[str, Any]:
        data = read_json(self.settings_path, {})
        return data if isinstance(data, dict) else {}

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        data = self.settings()
        data.update(changes)
        atomic_write_json(self.settings_path, data)
        return data

    def run_dirs(self) -> list[Path]:
        """Run folders, newest first."""
        if not self.runs_dir.is_dir():
            return []
        runs = [p for p in self.runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return sorted(runs, key=lambda p: p.name, reverse=True)

    def new_run_dir(self, label: str = "run") -> Path:
        """A fresh, uniquely named run folder (sortable by start time)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in label)[:40] or "run"
        for i in range(1000):
            name = f"{stamp}-{safe}" + (f"-{i}" if i else "")
            path = self.runs_dir / name
            try:
                path.mkdir(parents=True)
                return path
            except FileExistsError:
                continue
        raise RuntimeError("could not make a new run folder")

    def remove_tree(self, path: Path) -> None:
        """Delete a folder inside this workspace (refuses anything outside it)."""
        path = Path(path).resolve()
        if self.root not in path.parents:
            raise ValueError(f"{path} is not inside the workspace {self.root}")
        shutil.rmtree(path)
