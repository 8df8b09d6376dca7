"""How far a build (or a service's start) has got, in words a user reads: the phase, n/N, and
how long the rest should take. The CLI's progress bar and the service's `/healthz` and page
read the same tracker, so they name the phases alike.

>>> clock = iter([0.0, 0.0, 10.0, 10.0]).__next__
>>> tracker = BuildProgress(clock=clock)
>>> tracker.update("passages", 0, 300)
>>> tracker.update("passages", 100, 300)
>>> tracker.message()
'đang lập chỉ mục (nhúng đoạn 100/300, còn khoảng 20 giây)'
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# What each phase is called; the build reports "files" (read and segment), "ocr", "passages"
# (embed); a starting service adds "model", "load" and "warm".
PHASES = {
    "model": "nạp mô hình",
    "files": "đọc và tách từ tệp",
    "ocr": "nhận dạng ký tự (OCR), trang",
    "passages": "nhúng đoạn",
    "write": "ghi chỉ mục",
    "load": "nạp chỉ mục",
    "warm": "khởi động bộ tách từ",
}
BUILDING = {"files", "ocr", "passages", "write"}  # the phases that are "lập chỉ mục"
MIN_ESTIMATE_SECONDS = 2.0  # a rate measured over less time than this is not yet an estimate


def label(phase: str) -> str:
    """The phase's Vietnamese name (the phase itself when unknown)."""
    return PHASES.get(phase, phase)


def duration(seconds: float) -> str:
    """A remaining time as a person says it.

    >>> duration(20), duration(95), duration(3600 * 2 + 60 * 5)
    ('20 giây', '2 phút', '2 giờ 5 phút')
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} giây"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"


@dataclass(frozen=True)
class Snapshot:
    """One reading of a tracker (what `/healthz` tells while the service starts)."""

    phase: str
    done: int
    total: int
    elapsed: float  # seconds since the tracker started
    eta: float | None  # seconds left in this phase, once a rate is known

    def as_dict(self) -> dict:
        return {"phase": self.phase, "label": label(self.phase), "done": self.done,
                "total": self.total, "elapsed_s": round(self.elapsed, 1),
                "eta_s": None if self.eta is None else round(self.eta, 1)}  # fmt: skip


class BuildProgress:
    """The current phase with its counts; `update` is a build's `progress` callback."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._phase, self._done, self._total = "", 0, 0
        self._phase_started, self._first_done = self._started, 0

    def update(self, phase: str, done: int, total: int) -> None:
        with self._lock:
            now = self._clock()
            if phase != self._phase:
                self._phase, self._phase_started, self._first_done = phase, now, done
            self._done, self._total = done, total

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = self._clock()
            spent, moved = now - self._phase_started, self._done - self._first_done
            eta = None
            if moved > 0 and spent >= MIN_ESTIMATE_SECONDS and self._total >= self._done:
                eta = (self._total - self._done) * spent / moved
            return Snapshot(self._phase, self._done, self._total, now - self._started, eta)

    def message(self) -> str:
        """"đang lập chỉ mục (nhúng đoạn 120/1313, còn khoảng 2 phút)", "đang nạp chỉ mục"."""
        now = self.snapshot()
        if not now.phase:
            return "đang khởi động"
        if now.phase not in BUILDING:
            return f"đang {label(now.phase)}"
        counted = f"{label(now.phase)} {now.done}/{now.total}" if now.total else label(now.phase)
        left = f", còn khoảng {duration(now.eta)}" if now.eta is not None else ""
        return f"đang lập chỉ mục ({counted}{left})"
