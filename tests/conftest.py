import os

import jax
import numpy as np
import pytest

# Tests compile in-process with strict flags; the command line's persistent compilation cache
# (tradewar.compilation) is tested on its own, in subprocesses (tests/test_compilation_cache.py).
os.environ.setdefault("TRADEWAR_NO_CACHE", "1")

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_debug_nans", True)


@pytest.fixture(autouse=True)
def _strict_numpy():
    with np.errstate(all="raise"):
        yield


@pytest.fixture(scope="session")
def tiny():
    import tradewar as tw

    return tw.load_world("tiny")


@pytest.fixture(scope="session")
def cp2015():
    import tradewar as tw

    return tw.load_world("cp2015")
