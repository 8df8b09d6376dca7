"""Who may read what, who may write: tokens mapped to access levels, compared in constant time.

- VANKIEN_ADMIN_TOKEN: the write endpoints (Authorization header only) and every document.
- VANKIEN_READ_TOKEN: the level-0 token; once set, anonymous callers are refused. Without it
  anyone reads, and sees level 0 (public) documents only.
- VANKIEN_READ_TOKENS ({"token": level}): tokens that see documents up to their level.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from indexer import Settings
from indexer.errors import TooManyAttempts

COOKIE = "vankien_token"
NEEDS_TOKEN = "this service needs a token: send the header `Authorization: Bearer <token>`"


@dataclass(frozen=True)
class Access:
    """What a caller may see: documents up to `level` (None: every document)."""

    level: int | None
    admin: bool = False


class Unauthorized(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": "Bearer"})


def _same(given: str, known: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), known.encode("utf-8"))


def reading_is_open(settings: Settings) -> bool:
    return not settings.read_token


def token_access(token: str, settings: Settings) -> Access | None:
    """The access a token grants, or None for an unknown token (every token is compared)."""
    found = None
    levels = ({settings.read_token: 0} if settings.read_token else {}) | settings.read_tokens
    for known, level in levels.items():
        if known and _same(token, known) and found is None:
            found = Access(level)
    if settings.admin_token and _same(token, settings.admin_token):
        found = Access(None, admin=True)
    return found


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def resolve(token: str | None, settings: Settings) -> Access:
    """A reader's access; Unauthorized for an unknown token, or for none when one is needed."""
    if token:
        access = token_access(token, settings)
        if access is None:
            raise Unauthorized("unknown token: check it, or ask the administrator for one")
        return access
    if reading_is_open(settings):
        return Access(0)
    raise Unauthorized(NEEDS_TOKEN)


def client_of(request: Request) -> str:
    """The address wrong tokens are counted against (the peer: a proxy's own address when the
    service sits behind one)."""
    return request.client.host if request.client else "unknown"


def check_attempts(request: Request) -> None:
    """TooManyAttempts (429) while the caller's address has sent too many wrong tokens."""
    wait = request.app.state.limiter.wait(client_of(request))
    if wait is not None:
        raise TooManyAttempts(
            f"too many wrong tokens from this address: try again in {wait} s",
            field="token", retry_after=wait,
        )


def failed_attempt(request: Request) -> None:
    request.app.state.limiter.fail(client_of(request))


async def reader(request: Request) -> Access:
    """The reader's access, as a route dependency: on the event loop (no I/O, so no worker
    thread for it; FastAPI runs a plain function's dependency in one, ~0.1 ms a hop)."""
    return access_of(request)


def access_of(request: Request) -> Access:
    """Access of the caller from its bearer token, else the page cookie."""
    settings: Settings = request.app.state.settings
    token = bearer(request) or request.cookies.get(COOKIE)
    if token:
        check_attempts(request)
    try:
        return resolve(token, settings)
    except Unauthorized:
        if token:
            failed_attempt(request)
        raise


def is_admin(request: Request) -> bool:
    """Whether the caller's bearer token or page cookie is the admin token (not counted as an
    attempt: only for showing the admin link)."""
    settings: Settings = request.app.state.settings
    token = bearer(request) or request.cookies.get(COOKIE)
    return bool(token and settings.admin_token and _same(token, settings.admin_token))


def admin(request: Request) -> Access:
    """The admin, by bearer header only (a cookie would let other sites write); 401/403 else."""
    settings: Settings = request.app.state.settings
    if not settings.admin_token:
        raise HTTPException(
            403,
            "changing documents through the service is disabled: set "
            "VANKIEN_ADMIN_TOKEN and restart the service",
        )
    token = bearer(request)
    if token is None:
        raise Unauthorized("send the admin token: `Authorization: Bearer <VANKIEN_ADMIN_TOKEN>`")
    check_attempts(request)
    if not _same(token, settings.admin_token):
        failed_attempt(request)
        raise HTTPException(403, "this token may not change documents; use the admin token")
    return Access(None, admin=True)


ReaderDep = Annotated[Access, Depends(reader)]
AdminDep = Annotated[Access, Depends(admin)]
