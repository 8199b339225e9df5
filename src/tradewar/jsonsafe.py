"""JSON text that is always valid: NaN and infinities become ``null``."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float (at any depth) replaced by None."""
    if isinstance(value, dict):
        return {str(k): finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite_or_none(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def dumps(obj: Any, **kwargs: Any) -> str:
    """`json.dumps` of ``obj`` with NaN and infinities written as ``null`` (strict JSON)."""
    return json.dumps(finite_or_none(obj), allow_nan=False, default=str, **kwargs)
