"""Labelled results."""

from tradewar.results.result import Result, StepResult
from tradewar.results.variables import COUNTRY_VARIABLES

__all__ = ["COUNTRY_VARIABLES", "Result", "StepResult"]
from tradewar.results.summaries import country_path, head_to_head, sector_path, tariff_schedule

__all__ += ["country_path", "head_to_head", "sector_path", "tariff_schedule"]
