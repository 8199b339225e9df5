"""Several equilibria of the same shapes solved in one compiled program.

`solve_many` runs the solver of `tradewar.model.solver` over a list of problems with
`jax.lax.map`: one call, one program, the problems one after another inside it. Each problem
stops at its own convergence (unlike `jax.vmap`, where every member iterates until the slowest
has converged and conditionals run both branches), and Python dispatches once for the batch
instead of once per problem. The numbers are those of `solve_arrays` on each problem, bit for
bit (tested); Monte Carlo draws of the trade elasticities are solved this way
(`tradewar.engine.draws`).

Arrays that are the same object in every problem are passed once; the others are stacked.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.model.economy import Economy, Shock
from tradewar.model.solver import (
    Solution,
    SolverOptions,
    _Limits,
    _solve_jit,
    solve_arrays,
    starting_point,
)


def solve_many(
    econs: Sequence[Economy],
    shocks: Sequence[Shock],
    options: SolverOptions,
    starts: Sequence[Solution | None] | None = None,
) -> list[Solution]:
    """`tradewar.model.solver.solve_arrays` of each ``(econ, shock, start)``, in one program.

    Parameters
    ----------
    econs, shocks
        One economy and one shock per problem, all of the same shapes and with the same
        optional fields present.
    options
        Solver settings, shared.
    starts
        Warm starts (None: from the baseline), one per problem; default all None.

    Returns
    -------
    list of Solution
        One per problem, in order (NumPy arrays). A problem whose goods market needs the GMRES
        fallback is solved again alone by `solve_arrays` from the same start, as
        `solve_arrays` itself does.

    Raises
    ------
    ValueError
        If the lists differ in length or the problems differ in shape or optional fields.
    """
    count = len(econs)
    chosen = list(starts) if starts is not None else [None] * count
    if count != len(shocks) or len(chosen) != count:
        raise ValueError("solve_many needs one shock (and one start) per economy")
    if count == 0:
        return []
    problems = [
        (econ, shock, *starting_point(econ, start))
        for econ, shock, start in zip(econs, shocks, chosen, strict=True)
    ]
    flat = [jax.tree_util.tree_flatten(p) for p in problems]
    treedef = flat[0][1]
    if len({t for _, t in flat}) != 1:
        raise ValueError("solve_many needs problems with the same optional fields")
    columns = list(zip(*(leaves for leaves, _ in flat), strict=True))
    shared = tuple(all(leaf is column[0] for leaf in column) for column in columns)
    fixed = [column[0] for column, same in zip(columns, shared, strict=True) if same]
    varying = [jnp.stack(column) for column, same in zip(columns, shared, strict=True) if not same]
    varying.append(jnp.arange(count))  # the mapped axis, even when every leaf is shared
    batch, flagged = _solve_mapped(
        fixed, varying, treedef, shared, options.anderson_memory, options.limits()
    )
    host = [np.asarray(a) for a in batch]
    solutions = [Solution(*(a[k] for a in host)) for k in range(count)]
    for k in (int(i) for i in np.flatnonzero(np.asarray(flagged))):
        solutions[k] = solve_arrays(econs[k], shocks[k], options, start=chosen[k])
    return solutions


@partial(jax.jit, static_argnames=("treedef", "shared", "anderson_memory"))
def _solve_mapped(
    fixed: list[jnp.ndarray],
    varying: list[jnp.ndarray],
    treedef: jax.tree_util.PyTreeDef,
    shared: tuple[bool, ...],
    anderson_memory: int,
    lim: _Limits,
) -> tuple[Solution, jnp.ndarray]:
    """The solver program (without GMRES) mapped over the stacked leaves ``varying``."""

    def one(row: list[jnp.ndarray]) -> tuple[Solution, jnp.ndarray]:
        fixed_leaves, row_leaves = iter(fixed), iter(row[:-1])
        leaves = [next(fixed_leaves) if same else next(row_leaves) for same in shared]
        econ, shock, x0, log_P0, X0 = jax.tree_util.tree_unflatten(treedef, leaves)
        return _solve_jit(econ, shock, anderson_memory, lim, x0, log_P0, X0, krylov=False)

    return jax.lax.map(one, varying)
