"""The API docs pages (Swagger UI and ReDoc) from local files, never a CDN.

FastAPI's own pages load their scripts from the internet and start them with an
inline script: they fail on an intranet, and under this site's policy. These
load the assets that ``fastapi-offline`` ships and a start-up script of ours.
Their policy allows inline *styles* (both tools set them as they draw), not scripts.
"""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.routing import BaseRoute

from periplus.errors import NotFoundError

ASSETS = Path(fastapi_offline.__file__).parent / "static"
OURS = Path(__file__).parent.parent / "templates" / "swagger-init.js"
FILES = {
    "swagger-ui-bundle.js": ASSETS / "swagger-ui-bundle.js",
    "swagger-ui.css": ASSETS / "swagger-ui.css",
    "redoc.standalone.js": ASSETS / "redoc.standalone.js",
    "favicon.png": ASSETS / "favicon.png",
    "swagger-init.js": OURS,
}
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DEFAULTS = ("/docs", "/docs/oauth2-redirect", "/redoc")

router = APIRouter(include_in_schema=False)


def _page(title: str, body: str) -> HTMLResponse:
    html = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{title}</title>\n<link rel="icon" href="/static/docs/favicon.png">\n'
        f"{body}</html>\n"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": POLICY})


@router.get("/docs")
def swagger() -> HTMLResponse:
    return _page(
        "Periplus notifier API",
        '<link rel="stylesheet" href="/static/docs/swagger-ui.css">\n</head>\n<body>\n'
        '<div id="swagger-ui" data-url="/openapi.json"></div>\n'
        '<script src="/static/docs/swagger-ui-bundle.js"></script>\n'
        '<script src="/static/docs/swagger-init.js"></script>\n</body>\n',
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return _page(
        "Periplus notifier API",
        '</head>\n<body>\n<redoc spec-url="/openapi.json"></redoc>\n'
        '<script src="/static/docs/redoc.standalone.js"></script>\n</body>\n',
    )


@router.get("/static/docs/{name}")
def asset(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise NotFoundError("No such file of the API docs.")
    return FileResponse(path, headers={"Cache-Control": "max-age=86400"})


def install(app: FastAPI) -> None:
    """Serve the docs pages from local files in place of FastAPI's."""
    kept: list[BaseRoute] = [r for r in app.router.routes if getattr(r, "path", "") not in DEFAULTS]
    app.router.routes[:] = kept
    app.include_router(router)
