"""Run support shared by the three packages: provenance of a result, validation of inputs, the figure style.

Imports nothing of :mod:`theory` outside this package.
"""
