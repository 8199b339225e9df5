"""Labelled results."""

from tradewar.results.result import COUNTRY_VARIABLES, Result, StepResult

__all__ = ["COUNTRY_VARIABLES", "Result", "StepResult"]
