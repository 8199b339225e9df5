"""Progress of long computations: a callback that receives the fraction done and a message.

The CLI draws it as a progress bar and the web app as a job's progress; the engine only calls
it, between solves (never inside compiled code).
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(fraction, message)``: ``fraction`` in [0, 1], ``message`` one short line.
ProgressCallback = Callable[[float, str], None]


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Call ``progress`` (if any) with ``fraction`` clipped to [0, 1]."""
    if progress is not None:
        progress(min(max(float(fraction), 0.0), 1.0), message)


def scaled(progress: ProgressCallback | None, low: float, high: float) -> ProgressCallback | None:
    """A callback that maps its [0, 1] onto [``low``, ``high``] of ``progress`` (a sub-task)."""
    if progress is None:
        return None
    outer = progress

    def inner(fraction: float, message: str) -> None:
        report(outer, low + (high - low) * fraction, message)

    return inner
