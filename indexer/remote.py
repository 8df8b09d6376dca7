"""A running vankien service, asked over HTTP by the CLI instead of loading the index and the
model itself (seconds saved per command); standard library only.

The CLI names the index version it would answer from (header `X-Vankien-Index`); a service
serving another version refuses (409 `index_differs`) and the CLI answers locally, so a
`--index` elsewhere never gets the service's answers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import VankienError

INDEX_HEADER = "X-Vankien-Index"
PROBE_SECONDS = 1.0  # a service on this machine answers /healthz in milliseconds
CALL_SECONDS = 60.0
PAGE = 1000  # documents per page of /api/documents (its largest limit)


class ServiceUnusable(Exception):
    """The service cannot answer for this index; `reason` says why, in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ServiceError(VankienError):
    """The service refused the request (404, 422): its error, for the CLI to report."""


@dataclass(frozen=True)
class Service:
    """The service at `url`, asked with `token` for the index version `version` (None: any)."""

    url: str
    token: str | None = None
    version: str | None = None

    def get(self, route: str, params: dict, timeout: float = CALL_SECONDS) -> dict:
        """The JSON of GET route?params; ServiceUnusable, or ServiceError for a 4xx."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        request = urllib.request.Request(f"{self.url.rstrip('/')}{route}?{query}",
                                         headers=self._headers())  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                return json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise _refusal(exc, self.url) from None
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            raise ServiceUnusable(f"không kết nối được dịch vụ tại {self.url} ({exc})") from None

    def check(self) -> None:
        """ServiceUnusable unless the service answers /healthz at once with an index loaded."""
        try:
            request = urllib.request.Request(f"{self.url.rstrip('/')}/healthz")
            with urllib.request.urlopen(request, timeout=PROBE_SECONDS):  # noqa: S310
                return
        except urllib.error.HTTPError as exc:
            raise ServiceUnusable(f"dịch vụ tại {self.url} chưa sẵn sàng (HTTP {exc.code})") \
                from None
        except (OSError, ValueError) as exc:
            raise ServiceUnusable(f"không kết nối được dịch vụ tại {self.url} ({exc})") from None

    def documents(self, **filters) -> tuple[int, list[dict]]:
        """How many documents pass the filters, and all of them (page by page)."""
        listed, total, offset = [], None, 0
        while total is None or offset < total:
            page = self.get("/api/documents", filters | {"limit": PAGE, "offset": offset})
            total, offset = page["total"], offset + PAGE
            listed += page["documents"]
        return total, listed

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.version:
            headers[INDEX_HEADER] = self.version
        return headers


def index_version(index: Path) -> str | None:
    """The version an index folder serves now ("v20260101T000000-000001"), None without one.

    Read from INDEX/CURRENT directly (storage.folder.current_version's pointer): the storage
    package imports the search libraries, which a command answered by the service never needs.
    """
    try:
        name = (index / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name if name and (index / "versions" / name).is_dir() else None


def _refusal(exc: urllib.error.HTTPError, url: str) -> Exception:
    try:
        error = json.loads(exc.read().decode("utf-8")).get("error") or {}
    except (OSError, ValueError, AttributeError):
        error = {}
    code = error.get("code")
    if code == "index_differs":
        return ServiceUnusable(f"dịch vụ tại {url} phục vụ một phiên bản chỉ mục khác")
    if exc.code in (404, 422) and code:
        return ServiceError(error.get("message") or code, code=code, field=error.get("field"))
    if exc.code == 401:
        return ServiceUnusable(f"dịch vụ tại {url} cần mã truy cập (VANKIEN_READ_TOKEN)")
    return ServiceUnusable(f"dịch vụ tại {url} trả lỗi HTTP {exc.code}")
