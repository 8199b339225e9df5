"""The web app: ``tradewar serve`` (FastAPI on uvicorn), a JSON API and the dashboard.

Needs the ``web`` extra: ``pip install "tradewar[web]"``.
"""

from tradewar.web.app import create_app
from tradewar.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
