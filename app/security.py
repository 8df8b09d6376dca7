"""The service's HTTP hardening: security headers on every answer, tokens kept out of the access
log, and a limit on wrong tokens per client address."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import deque

# No inline script or style in the pages (the series chart is plain SVG markup), so 'self' is
# enough; the API docs' ReDoc injects its styles at run time and reads the spec in a worker.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")  # fmt: skip
DOCS_PATHS = ("/docs", "/redoc")
# the rest answers per token: never kept by a browser or a proxy
CACHEABLE = ("/static/", "/docs-assets/")
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
}
TOKEN_IN_QUERY = re.compile(r"(?i)([?&](?:access_)?token=)[^&#\s\"]*")


class SecurityHeaders:
    """ASGI middleware: CSP, nosniff, no framing, no referrer, and `Cache-Control: no-store`
    on everything but static files."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP
        cached = path.startswith(CACHEABLE)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                ours = HEADERS.keys() | ({b"content-security-policy"} if cached
                                         else {b"content-security-policy", b"cache-control"})
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                headers += [*HEADERS.items(), (b"content-security-policy", csp.encode())]
                if not cached:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def scrub(text: str) -> str:
    """A request line with the value of any `token=` parameter hidden.

    >>> scrub("/documents/x?hl=a&token=tok-1&q=b")
    '/documents/x?hl=a&token=***&q=b'
    """
    return TOKEN_IN_QUERY.sub(r"\1***", text)


class ScrubTokens(logging.Filter):
    """Hides token values in the request lines uvicorn logs (its arguments and message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True


def scrub_access_log() -> None:
    """Put the filter on uvicorn's access logger (once; after uvicorn set up its logging)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, ScrubTokens) for f in logger.filters):
        logger.addFilter(ScrubTokens())


class AttemptLimiter:
    """Wrong tokens per client address in a sliding window; past `limit`, callers wait.

    >>> limiter = AttemptLimiter(limit=2, window=60.0)
    >>> limiter.fail("10.0.0.1", now=0.0); limiter.fail("10.0.0.1", now=1.0)
    >>> limiter.wait("10.0.0.1", now=30.0), limiter.wait("10.0.0.2", now=30.0)
    (30, None)
    >>> limiter.wait("10.0.0.1", now=61.0) is None
    True
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(client, None)
        return times

    def wait(self, client: str, now: float | None = None) -> int | None:
        """Seconds the client must wait before its next token is checked; None: go ahead."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent(client, now)
            if self.limit <= 0 or len(times) < self.limit:
                return None
            return max(1, math.ceil(times[-self.limit] + self.window - now))

    def fail(self, client: str, now: float | None = None) -> None:
        """Record a wrong token from the client."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(client, now)
            self._failures.setdefault(client, deque()).append(now)
            if len(self._failures) > 100_000:  # a flood of addresses: forget the oldest
                self._failures.pop(next(iter(self._failures)))
