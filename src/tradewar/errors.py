"""Domain exceptions: each says what is wrong and where, so the user can fix it."""

from __future__ import annotations


class TradewarError(Exception):
    """Base class of every error tradewar raises on purpose."""


class DataError(TradewarError, ValueError):
    """A world package is malformed or violates an accounting identity.

    Parameters
    ----------
    message
        What is wrong.
    file
        The file (or table) where the problem was found.
    row
        1-based data row in that file (the header is row 0), when one row is to blame.
    field
        The column or key that is wrong.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file, self.row, self.field, self.reason = file, row, field, message
        where = []
        if file:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ScenarioError(TradewarError, ValueError):
    """A scenario (TOML) is malformed, or names a country, sector or key that does not exist.

    Parameters
    ----------
    message
        What is wrong.
    file
        The scenario file.
    key
        The dotted key that is wrong, e.g. ``policy[1].importer``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file, self.key, self.reason = file, key, message
        where = []
        if file:
            where.append(str(file))
        if key:
            where.append(f"key '{key}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ConvergenceError(TradewarError, RuntimeError):
    """The equilibrium solver stopped before meeting its tolerance.

    Attributes
    ----------
    iterations
        Outer iterations performed.
    max_residual
        Largest relative labour-market excess demand at the last iterate.
    tolerance
        The tolerance that was not met.
    """

    def __init__(
        self,
        iterations: int,
        max_residual: float,
        tolerance: float,
        hint: str = "",
        reason: str = "",
        subject: str = "equilibrium",
        unit: str = "iterations",
    ) -> None:
        self.iterations, self.max_residual, self.tolerance = iterations, max_residual, tolerance
        self.reason = reason
        finite = max_residual == max_residual and abs(max_residual) != float("inf")
        if not reason and not finite:
            reason = "the solution is not finite (NaN or infinite values)"
        if reason:
            remedy = hint or (
                "check the policies for extreme values or goods left with no supplier"
                if subject == "equilibrium"
                else ""
            )
            what = reason
            if "residual" not in reason and finite:
                what += f" (max residual {max_residual:.3e}, tolerance {tolerance:.1e})"
        else:
            remedy = hint or (
                "raise SolverOptions.max_iterations ([solver] max_iterations in a scenario), "
                "lower SolverOptions.damping, or check the shock for extreme values"
            )
            what = f"max residual {max_residual:.3e} > tolerance {tolerance:.1e}"
        after = f" after {iterations} {unit}" if iterations > 0 else ""
        tail = f"; {remedy}" if remedy else ""
        super().__init__(f"{subject} not found{after}: {what}{tail}")


class OutputError(TradewarError, ValueError):
    """An output folder cannot be written safely.

    It holds files tradewar did not write, is the working directory or one above it, is a
    file or a link, or another process is writing it.
    """

    def __init__(self, message: str, *, path: str) -> None:
        self.path, self.reason = path, message
        super().__init__(f"{path}: {message}")


class ArgumentError(TradewarError, TypeError, ValueError):
    """A function of the public API was called with an argument it cannot use.

    Parameters
    ----------
    argument
        The argument's name, e.g. ``world`` or ``options.tol``.
    message
        What is wrong with it, and what would be right.
    """

    def __init__(self, argument: str, message: str) -> None:
        self.argument, self.reason = argument, message
        super().__init__(f"argument '{argument}': {message}")


def describe_value(value: object) -> str:
    """A short account of a wrong value for an error message: its type and its start."""
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
