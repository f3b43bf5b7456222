"""The site's own style sheet and verification script, served from the templates."""

from fastapi import APIRouter
from fastapi.responses import Response

from notifier.publish.routes.common import TEMPLATES

router = APIRouter(tags=["public"])


@router.get("/static/site.css", include_in_schema=False)
def site_style() -> Response:
    body = (TEMPLATES / "site.css").read_bytes()
    return Response(body, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/static/verify.js", include_in_schema=False)
def verify_script() -> Response:
    body = (TEMPLATES / "verify.js").read_bytes()
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "max-age=300"})
