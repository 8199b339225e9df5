"""Reports: figures (PNG) and a self-contained HTML page for a solved scenario."""

from tradewar.report.html import build_report

__all__ = ["build_report"]
