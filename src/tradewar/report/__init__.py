"""Reports: figures (PNG) and a self-contained HTML page for a solved scenario."""

try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # pragma: no cover - the report extra
    raise ImportError('reports need matplotlib: python3 -m pip install "tradewar[report]"') from exc

from tradewar.report.html import build_report

__all__ = ["build_report"]
