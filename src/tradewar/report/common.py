"""What every report page shares: its style sheet, tables and inline images."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import pandas as pd

REPORT_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
.wide{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.meta{color:#555;font-size:.9em}
.note{background:#fafafa;border-left:3px solid #999;padding:.5em 1em}
"""


def html_table(frame: pd.DataFrame, digits: int = 3, left: Sequence[str] = ()) -> str:
    """A frame as an HTML table (floats to ``digits``; ``left`` columns aligned left)."""
    head = "".join(
        f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>' for c in frame.columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for col, value in row.items():
            text = f"{value:,.{digits}f}" if isinstance(value, float) else html.escape(str(value))
            cells.append(f'<td class="{"l" if col in left else ""}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wide'><table><tr>{head}</tr>{''.join(rows)}</table></div>"


def embedded_image(data: bytes, alt: str) -> str:
    """PNG bytes as an ``<img>`` with the image inline (the report is one file)."""
    encoded = base64.b64encode(data).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'
