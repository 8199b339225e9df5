"""Moving host data onto the device without compiling anything."""

from __future__ import annotations

import jax
import numpy as np
from numpy.typing import ArrayLike, DTypeLike


def on_device(x: ArrayLike, dtype: DTypeLike | None = None) -> jax.Array:
    """``x`` as a JAX array of ``dtype`` (default: NumPy's), placed by transfer.

    `jax.device_put` copies the data; ``jnp.asarray`` and ``jnp.zeros`` run a small compiled
    program instead, one per shape, which costs about 10 ms each in a fresh process (a tenth
    of a cold ``tradewar run``). A JAX array of the right dtype is returned as it is.
    """
    if isinstance(x, jax.Array) and (dtype is None or x.dtype == np.dtype(dtype)):
        return x
    return jax.device_put(np.asarray(x, dtype=dtype))


_FILLED: dict[tuple[tuple[int, ...], float], jax.Array] = {}
_FILLED_MAX = 256


def filled(shape: tuple[int, ...], value: float) -> jax.Array:
    """A float64 device array of ``shape`` holding ``value`` everywhere, made once per process.

    JAX arrays are immutable, so one copy serves every solve that starts from zeros or applies
    no cost shock (a transfer per solve is otherwise a tenth of a small solve's overhead). Made
    while a function is being traced, the array is a tracer and is not kept.
    """
    key = (tuple(int(n) for n in shape), float(value))
    found = _FILLED.get(key)
    if found is not None:
        return found
    made = on_device(np.full(key[0], key[1], dtype=np.float64))
    if not isinstance(made, jax.core.Tracer) and len(_FILLED) < _FILLED_MAX:
        _FILLED[key] = made
    return made
