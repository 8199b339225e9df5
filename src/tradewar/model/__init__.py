"""Equilibrium engine: exact hat algebra in JAX (float64)."""
