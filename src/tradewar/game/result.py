"""Results of tariff games: tidy frames and the JSON contract of ``tradewar nash``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradewar.errors import ScenarioError
from tradewar.status import Status


@dataclass(frozen=True)
class GameResult:
    """A solved game. Welfare is measured against the world's baseline tariffs.

    Attributes
    ----------
    kind
        ``"optimal"``, ``"nash"``, ``"cooperative"`` or ``"bargain"``.
    tariffs, baseline_tariffs
        ``(N, N, J)`` fractions, ``[importer, exporter, sector]``.
    welfare_hat, gov_welfare_hat
        ``(N,)`` real income and government welfare relative to the baseline.
    players, instruments
        The strategic countries (codes) and, by code, the index arrays ``(importer, exporter,
        sector)`` of the tariffs each set.
    status, reason, rounds, max_tariff_change_pct
        Convergence diagnostics: the `Status` (``converged`` is derived from it), ``reason``
        saying why a result is not converged (empty when it is); for Nash, the largest tariff
        change in the last round, and the Nash gap in ``extra``.
    deficits
        ``"zero"`` when payoffs are measured in the world re-solved with balanced trade.
    """

    kind: str
    world: str
    model: str
    objective: str
    deficits: str
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    tariffs: np.ndarray
    baseline_tariffs: np.ndarray
    welfare_hat: np.ndarray
    gov_welfare_hat: np.ndarray
    players: tuple[str, ...]
    instruments: dict[str, tuple]
    status: Status
    reason: str
    rounds: int
    max_tariff_change_pct: float
    evaluations: int = 0
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """True only when the status is `Status.CONVERGED`."""
        return self.status.converged

    def player_tariffs(self, player: int | str) -> np.ndarray:
        """The tariffs (percent) that ``player`` chose: a country code, or its position.

        Raises `ScenarioError` (key ``player``) for a code that is not a player of this game.
        """
        code = self.countries[player] if isinstance(player, int) else player
        if code not in self.instruments:
            raise ScenarioError(
                f"'{player}' is not a player of this game; players: {', '.join(self.players)}",
                key="player",
            )
        return 100.0 * self.tariffs[self.instruments[code]]

    def country_table(self) -> pd.DataFrame:
        """Players' median and mean chosen tariffs, and every country's welfare (percent).

        Every column is float; a country that is not a player has NaN tariffs.
        """
        rows = []
        for k, code in enumerate(self.countries):
            plays = code in self.instruments
            chosen = self.player_tariffs(code) if plays else np.array([np.nan])
            rows.append(
                {
                    "country": code,
                    "median_tariff_pct": float(np.median(chosen)) if plays else np.nan,
                    "mean_tariff_pct": float(np.mean(chosen)) if plays else np.nan,
                    "welfare_pct": float(100.0 * (self.welfare_hat[k] - 1.0)),
                    "gov_welfare_pct": float(100.0 * (self.gov_welfare_hat[k] - 1.0)),
                }
            )
        return pd.DataFrame(rows).set_index("country")

    def tariff_table(self) -> pd.DataFrame:
        """Chosen tariffs, long: importer, exporter, sector, tariff_pct, baseline_pct."""
        frames = []
        for rows, cols, secs in self.instruments.values():
            frames.append(
                pd.DataFrame(
                    {
                        "importer": np.array(self.countries)[rows],
                        "exporter": np.array(self.countries)[cols],
                        "sector": np.array(self.sectors)[secs],
                        "tariff_pct": 100.0 * self.tariffs[rows, cols, secs],
                        "baseline_pct": 100.0 * self.baseline_tariffs[rows, cols, secs],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: country, partner, sector, variable, unit, value."""
        table = self.country_table().reset_index()
        country = table.melt(id_vars="country", var_name="variable", value_name="value")
        country["partner"], country["sector"], country["unit"] = "", "", "percent"
        tariffs = self.tariff_table()
        pairs = pd.DataFrame(
            {
                "country": tariffs.importer,
                "partner": tariffs.exporter,
                "sector": tariffs.sector,
                "variable": "tariff_pct",
                "unit": "percent",
                "value": tariffs.tariff_pct,
            }
        )
        out = pd.concat([country, pairs], ignore_index=True)
        out.insert(0, "game", self.kind)
        return out[["game", "country", "partner", "sector", "variable", "unit", "value"]]

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``tradewar nash`` (and the other game commands)."""
        table = self.country_table()
        players = list(self.players)
        countries = []
        for code, row in table.iterrows():
            countries.append(
                {
                    "country": code,
                    **{
                        k: (
                            None
                            if v is None or (isinstance(v, float) and np.isnan(v))
                            else float(v)
                        )
                        for k, v in row.items()
                    },
                }
            )
        strategic = table.loc[players]
        return {
            "game": self.kind,
            "world": self.world,
            "model": self.model,
            "objective": self.objective,
            "deficits": self.deficits,
            "converged": self.converged,
            "status": str(self.status),
            "reason": self.reason,
            "rounds": self.rounds,
            "max_tariff_change_pct": self.max_tariff_change_pct,
            "players": players,
            "countries": countries,
            "average": {
                "median_tariff_pct": float(strategic.median_tariff_pct.astype(float).mean()),
                "welfare_pct": float(strategic.welfare_pct.mean()),
                "gov_welfare_pct": float(strategic.gov_welfare_pct.mean()),
            },
            "tariffs": self.tariff_table()[
                ["importer", "exporter", "sector", "tariff_pct"]
            ].to_dict(orient="records"),
            "elapsed_s": self.elapsed_s,
            "evaluations": self.evaluations,
            **{k: v for k, v in self.extra.items() if k != "optimizer"},
        }
