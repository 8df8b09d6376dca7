"""The API's description and its two readers (Swagger UI, ReDoc), served by the service itself.

Their JavaScript and CSS come from the `fastapi-offline` package, so /docs works on a closed
network, and no inline script is needed (the page's CSP allows none). Once a read token is set,
they need it like every other route."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .auth import reader

ASSETS = "/docs-assets"
ASSET_FOLDER = Path(fastapi_offline.__file__).parent / "static"
router = APIRouter(include_in_schema=False, dependencies=[Depends(reader)])

SWAGGER = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>vankien – API</title>
<link rel="icon" href="{ASSETS}/favicon.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="/openapi.json"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body></html>
"""
REDOC = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>vankien – API</title>
<link rel="icon" href="{ASSETS}/favicon.png"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS}/redoc.standalone.js"></script>
</body></html>
"""


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", response_class=HTMLResponse)
def swagger() -> HTMLResponse:
    return HTMLResponse(SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC)


def install(app: FastAPI) -> None:
    """Mount the readers' files and add the three routes."""
    app.mount(ASSETS, StaticFiles(directory=ASSET_FOLDER), name="docs-assets")
    app.include_router(router)
