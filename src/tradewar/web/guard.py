"""Who may talk to the server: hosts, origins and a token, and the headers every answer carries.

`Guard` is ASGI middleware that runs before anything else:

* **Host.** A request whose ``Host`` header names a host the server does not serve is refused
  (400): a page on another domain that resolves to 127.0.0.1 (DNS rebinding) cannot reach a
  loopback server. The hosts served are `WebSettings.allowed_hosts` (loopback names by default;
  ``*`` serves any, for a server behind a token).
* **Origin.** A request that changes something (any method but GET, HEAD and OPTIONS) from a page
  of another origin is refused (403): its ``Origin`` header, or failing that its
  ``Sec-Fetch-Site``, must say the same site. Another site's form or script cannot upload a
  world or submit a job.
* **Token.** With `WebSettings.token` set (``tradewar serve --token``; required beyond
  loopback), every ``/api`` request but the health check must carry it
  (``Authorization: Bearer TOKEN`` or ``X-Tradewar-Token: TOKEN``), else 401.
* **Headers.** Every answer carries a Content-Security-Policy without inline scripts (the
  dashboard builds no markup from data, and this backs that up), ``nosniff``, no referrer and
  no framing.

Each refusal is the JSON error of every endpoint: ``{"error": ..., "field": ...}``.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from tradewar.jsonsafe import dumps

#: Methods that cannot change anything.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Loopback names a local server answers to.
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The policy of every page: scripts and data from this server only, no inline scripts, no
#: plugins, no framing. Styles may be inline (plotly.js sets them on its SVG elements).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def host_name(value: str) -> str:
    """The host of a ``Host`` header or URL netloc, without its port (``[::1]:80`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware: the host, origin and token checks and the security headers.

    Parameters
    ----------
    app
        The application it guards.
    allowed_hosts
        Host names served (without ports); ``"*"`` serves any.
    token
        The token ``/api`` requests must carry, or None for none.
    """

    def __init__(self, app: Any, allowed_hosts: tuple[str, ...], token: str | None) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self.token = token

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Refuse what may not pass; add the security headers to what does."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        if refusal is not None:
            status, text, field = refusal
            await _json_error(send_with_headers, status, text, field)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: dict, headers: dict[str, str]) -> tuple[int, str, str] | None:
        host = headers.get("host", "")
        if not self.any_host and host_name(host) not in self.allowed_hosts:
            return (
                400,
                f"this server does not answer to the host '{host}' "
                f"(it serves {', '.join(sorted(self.allowed_hosts))})",
                "Host",
            )
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None:
                if origin == "null" or urlsplit(origin).netloc.lower() != host.lower():
                    return 403, f"a request from another origin ('{origin}') is refused", "Origin"
            elif headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return 403, "a request from another site is refused", "Sec-Fetch-Site"
        path = scope["path"]
        if self.token and path.startswith("/api/") and path.rstrip("/") != "/api/health":
            given = headers.get("x-tradewar-token") or _bearer(headers.get("authorization", ""))
            if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, "this server needs its token (Authorization: Bearer TOKEN)", "token"
        return None


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _json_error(send: Any, status: int, message: str, field: str) -> None:
    body = dumps({"error": message, "field": field}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
