"""Where problems are reported: one line to the person at the terminal, tracebacks to a log file.

`configure(settings)` is called by the command line (and so by `vankien serve`); library code
only logs. A user never sees a traceback: an unexpected error is one line naming what failed and
the file holding the details.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from .config import Settings

LOG_NAME = "vankien.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_handler: _LazyFile | None = None


def log_path(settings: Settings) -> Path:
    """The log file: VANKIEN_LOG_FILE, else INDEX/logs/vankien.log."""
    return settings.log_file or settings.index / "logs" / LOG_NAME


def where() -> str:
    """The log file in use, for messages that point at it ("the service log" when not set up)."""
    return _handler.baseFilename if _handler is not None else "the service log"


class _LazyFile(logging.FileHandler):
    """A file handler that creates its folder on the first record, and falls back to the temp
    folder when that folder cannot be written (a read-only index must still log somewhere)."""

    def __init__(self, path: Path):
        super().__init__(path, encoding="utf-8", delay=True)

    def _open(self):
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            return super()._open()
        except OSError:
            self.baseFilename = str(Path(tempfile.gettempdir()) / LOG_NAME)
            return super()._open()


class OneLine(logging.Formatter):
    """The record's message without its traceback, plus the exception and where it was logged:
    "reading x.txt failed (ValueError: …; details in data/index/logs/vankien.log)"."""

    def __init__(self, inner: logging.Formatter | None = None):
        super().__init__("%(message)s")
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = self.inner.format(record) if self.inner else super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        if saved[0] and saved[0][1] is not None:
            exc = saved[0][1]
            line += f" ({type(exc).__name__}: {_short(exc)}; details in {where()})"
        return line


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _for_console(record: logging.LogRecord) -> bool:
    return getattr(record, "console", True)


# Libraries' records kept out of vankien's log below these levels, whatever the libraries set
# their own loggers to: bm25s sets its logger to DEBUG when imported and logs every index();
# Milvus Lite's in-process server logs a traceback for each call it does not implement
# (AllocTimestamp, while creating a collection; the call still succeeds); pymilvus logs each
# failed call with a traceback, which vankien reports once.
QUIETER = {"bm25s": logging.WARNING, "grpc._server": logging.CRITICAL,
           "pymilvus.decorators": logging.CRITICAL}  # fmt: skip


def _not_noise(record: logging.LogRecord) -> bool:
    """False for a record of a library in QUIETER below its level.

    >>> _not_noise(logging.makeLogRecord({"name": "bm25s", "levelno": logging.DEBUG}))
    False
    """
    name = record.name
    while name:
        if name in QUIETER:
            return record.levelno >= QUIETER[name]
        name = name.rpartition(".")[0]
    return True


def configure(settings: Settings) -> Path:
    """Send every record to the log file, warnings and errors also to stderr as one line."""
    global _handler
    path = log_path(settings)
    if _handler is not None and _handler.baseFilename == str(path.absolute()):
        return path
    reset()
    _handler = _LazyFile(path)
    _handler.setFormatter(logging.Formatter(_FORMAT))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(OneLine(logging.Formatter("vankien: %(message)s")))
    console.addFilter(_for_console)
    root = logging.getLogger()
    for handler in (_handler, console):
        handler.addFilter(_not_noise)
        handler.vankien = True
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def reset() -> None:
    """Remove what `configure` installed."""
    global _handler
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "vankien", False)]:
        root.removeHandler(old)
        old.close()
    _handler = None


def quiet_console(logger_names: list[str]) -> None:
    """Route loggers that configured their own console handlers (uvicorn) through the file too,
    and strip tracebacks from their console lines."""
    for name in logger_names:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not isinstance(handler.formatter, OneLine):
                handler.setFormatter(OneLine(handler.formatter))
        if _handler is not None and _handler not in logger.handlers and not logger.propagate:
            logger.addHandler(_handler)
