"""Vectorized simulations and parameter sweeps for the draft's hypotheses (convex and small models)."""
