"""JSON answers of the web app: strict JSON (NaN as null) and the one error body."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from tradewar.jsonsafe import dumps


class SafeJSONResponse(JSONResponse):
    """Strict JSON: NaN and infinities are written as ``null``."""

    def render(self, content: Any) -> bytes:
        """``content`` as strict JSON bytes."""
        return dumps(content).encode("utf-8")


def error(status: int, message: str, field: str | None = None, **extra: Any) -> SafeJSONResponse:
    """The JSON error body every endpoint uses."""
    return SafeJSONResponse({"error": message, "field": field, **extra}, status_code=status)
