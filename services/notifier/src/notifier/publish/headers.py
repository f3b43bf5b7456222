"""The security headers every notifier response carries.

The pages run no inline script and no inline style (both are static files), so
the policy allows only the site's own files; no one may frame the site
(clickjacking), browsers may not guess types, and links out tell only the origin.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOW_ORIGIN = b"access-control-allow-origin"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class ReadableAnywhere:
    """ASGI middleware: a GET or HEAD under ``prefix`` may be read by a page of any origin
    (``Access-Control-Allow-Origin: *``, no credentials), refusals included, so that a
    verifier a reader keeps can tell a limit or a pending entry from an unreachable site.
    Nothing else is opened: no other method, no preflight, no other path."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        readable = (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and str(scope["path"]).startswith(self.prefix)
        )
        if not readable:
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = [h for h in message.get("headers", []) if h[0].lower() != ALLOW_ORIGIN]
                message = {**message, "headers": [*own, (ALLOW_ORIGIN, b"*")]}
            await send(message)

        await self.app(scope, receive, sending)
