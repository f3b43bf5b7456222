"""The site's own style sheet and verification scripts, served from the templates."""

from fastapi import APIRouter
from fastapi.responses import Response

from notifier.publish.routes.common import TEMPLATES

router = APIRouter(tags=["public"])
VERIFY_SCRIPT = ("verify_core.js", "verify_page.js")


@router.get("/static/site.css", include_in_schema=False)
def site_style() -> Response:
    body = (TEMPLATES / "site.css").read_bytes()
    return Response(body, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/static/verify.js", include_in_schema=False)
def verify_script() -> Response:
    """The checks (which the standalone verifier carries too), then the trip page's glue."""
    body = b"\n".join((TEMPLATES / name).read_bytes() for name in VERIFY_SCRIPT)
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "max-age=300"})
