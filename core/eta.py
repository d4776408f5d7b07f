"""The time left of a training, moving between XTuner's log lines.

XTuner logs an ``eta`` every ``log_interval`` (10) iterations; on a slow machine that is
minutes apart, and a number that stands still for minutes reads as a hang. The time left
now is the last logged ETA minus the time since that line was logged (mmengine puts the
local time before every line), so the page's two-second refresh shows it counting down;
the next logged line corrects it.
"""

from __future__ import annotations

import re
import time

from core.logs import Progress

ETA_TEXT_RE = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d)$")
STAMP_RE = re.compile(r"^(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)$")


def parse_eta(text: str | None) -> float | None:
    """Seconds in mmengine's ``eta`` (``0:02:30``, ``1 day, 2:03:04``); None when it is not one."""
    m = ETA_TEXT_RE.match(text.strip()) if text else None
    if not m:
        return None
    days, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return float(((days * 24 + h) * 60 + mi) * 60 + s)


def line_time(stamp: str | None, now: float) -> float | None:
    """The epoch time of a log line's ``MM/DD HH:MM:SS`` (local time, no year): the year that puts
    it latest without being more than a day after ``now``."""
    m = STAMP_RE.match(stamp.strip()) if stamp else None
    if not m:
        return None
    month, day, hour, minute, second = (int(g) for g in m.groups())
    year = time.localtime(now).tm_year
    for y in (year + 1, year, year - 1):
        try:
            t = time.mktime((y, month, day, hour, minute, second, 0, 0, -1))
        except (OverflowError, ValueError):
            continue
        if t <= now + 86400:
            return t
    return None


def remaining(progress: Progress, now: float | None = None) -> float | None:
    """Seconds left now: the last logged ETA less the time since its line (never below 0); the
    logged ETA as it is when its line has no time; None before the first ETA."""
    seconds = parse_eta(progress.eta)
    if seconds is None:
        return None
    now = time.time() if now is None else now
    logged = line_time(progress.eta_logged, now)
    if logged is None:
        return seconds
    return max(0.0, seconds - max(0.0, now - logged))


def format_left(seconds: float) -> str:
    """``H:MM:SS`` like XTuner's own ETA (``1 day, H:MM:SS`` past a day)."""
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}"
    return f"{days} day{'s' if days > 1 else ''}, {text}" if days else text
