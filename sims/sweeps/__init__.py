"""The sweeps: one module per named experiment (see :mod:`sims.registry` for the list)."""
