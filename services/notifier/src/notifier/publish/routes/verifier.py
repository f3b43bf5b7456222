"""``/verifier.html``: the standalone verifier, one file a reader keeps and opens from disk.

It carries the same checks as the trip pages (``verify_core.js``), its own page and the
words of every language, and no key and no address: the reader gives the site, the trust
policy and the source keys. Its bytes are the release's, the same for every request and
every deployment, so that its SHA-256 can be published once and compared by anyone; the
answer names it in ``Repr-Digest`` (RFC 9530). Its own policy, in a ``<meta>`` since it
runs from disk, lets run only its inline script and style, by their hashes.
"""

import base64
import hashlib
import json
from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from notifier.i18n import vocabulary
from notifier.i18n.words import words
from notifier.publish.routes.common import TEMPLATES
from notifier.publish.routes.trip import verify_words
from periplus.sdg import LANGUAGES

router = APIRouter(tags=["public"])

FILENAME = "periplus-verifier.html"
SCRIPT = ("verify_core.js", "verifier.js")


def _words(lang: str) -> dict[str, Any]:
    said = words(lang)
    found = verify_words(lang)
    found["verifier"] = {key: said.word(message) for key, message in vocabulary.VERIFIER.items()}
    found["name"], found["tag"] = said.name, said.tag
    return found


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@cache
def standalone() -> bytes:
    """The file, built once: it depends on nothing but the release's own files (read as
    UTF-8, whatever the locale the service runs in)."""
    every = {lang: _words(lang) for lang in sorted(LANGUAGES)}
    # In a data block "<" is escaped, so no text of a catalogue can end the element.
    data = json.dumps(every, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    script = "\n".join((TEMPLATES / name).read_text(encoding="utf-8") for name in SCRIPT)
    style = (TEMPLATES / "verifier.css").read_text(encoding="utf-8")
    policy = "; ".join(
        (
            "default-src 'none'",
            f"script-src 'sha256-{_hash(script)}'",
            f"style-src 'sha256-{_hash(style)}'",
            # The data comes from whichever site the reader names; it is checked, not trusted.
            "connect-src http: https:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    page = (TEMPLATES / "verifier.html").read_text(encoding="utf-8")
    for marker, value in (
        ("__CSP__", policy),
        ("__STYLE__", style),
        ("__WORDS__", data),
        ("__SCRIPT__", script),
    ):
        page = page.replace(marker, value, 1)
    return page.encode()


def digest(body: bytes) -> str:
    """The ``Repr-Digest`` of ``body`` (RFC 9530): ``sha-256=:<base64>:``."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


@cache
def _digest_of_standalone() -> str:
    """The file's ``Repr-Digest``, computed once as the file is built once."""
    return digest(standalone())


@router.get(
    "/verifier.html",
    summary="The standalone verifier: one HTML file to keep, holding no key",
    description=(
        "The same bytes for every request of a release; `Repr-Digest` carries their SHA-256, "
        "to compare with the one its publishers give."
    ),
    response_class=Response,
)
def verifier() -> Response:
    body = standalone()
    headers = {
        "Content-Disposition": f'attachment; filename="{FILENAME}"',
        "Repr-Digest": _digest_of_standalone(),
        "Cache-Control": "max-age=300",
    }
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
