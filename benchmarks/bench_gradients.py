"""Payoff gradients by implicit differentiation: GMRES (large-world path) against dense LU.

For `cp2015` (2,511 equilibrium unknowns) and `wiod2014-s3`, prints the warm time of one payoff
value-and-gradient with ``linear_solver="gmres"`` (checked against ``linear_tol``) and with
``"dense"``, and the largest difference between the two gradients relative to the largest
gradient. Run: ``python benchmarks/bench_gradients.py``.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

import time

import jax
import numpy as np

import tradewar as tw
from tradewar.engine import economy_from_world
from tradewar.game.objectives import objective_values
from tradewar.model.solver import SolverOptions


def timed(fn, arg, repeats=3):
    out = jax.block_until_ready(fn(arg))  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = jax.block_until_ready(fn(arg))
        times.append(time.perf_counter() - start)
    return out, min(times)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="The tiny world only, for CI.")
    names = ("tiny",) if parser.parse_args().smoke else ("wiod2014-s3", "cp2015")
    for name in names:
        world = tw.load_world(name)
        econ = economy_from_world(world)
        dim = econ.va.size + 2 * econ.alpha.size
        grads = {}
        for method in ("gmres", "dense"):
            options = SolverOptions(tol=1e-12, linear_solver=method)

            def payoff(tau, options=options, econ=econ):
                return objective_values(econ, tau, None, options)[0][0]

            fn = jax.jit(jax.value_and_grad(payoff))
            (_, grad), seconds = timed(fn, econ.tau + 0.05)
            grads[method] = np.asarray(grad)
            print(f"{name} ({dim} unknowns), {method}: value and gradient {seconds:.3f} s warm")
        diff = np.max(np.abs(grads["gmres"] - grads["dense"])) / np.max(np.abs(grads["dense"]))
        print(f"{name}: max |gmres - dense| / max |dense| = {diff:.1e}")
    print("ok")


if __name__ == "__main__":
    main()
