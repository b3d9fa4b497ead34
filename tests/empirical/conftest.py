"""Shared fixtures of the empirical tests: two threads, tiny float64 setups."""

from __future__ import annotations

import os

# OpenMP threads that sleep instead of spinning at barriers: with two threads on a shared 2-core machine,
# spinning makes the many small ops of these tests 2-20x slower (measured: 34.6 s vs 15.0 s for the tiny GPU
# script with one competing process). Must be set before torch starts its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
import torch

from empirical.setup import Setup, prepare

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def linear_setup() -> Setup:
    """The draft's linear regression (dim 6) through the torch.func code, float64."""
    return prepare("linear", "regression", data_options={"dim": 6, "n_train": 40, "n_test": 8}, progress=False)


@pytest.fixture(scope="session")
def mlp_setup() -> Setup:
    """A tanh MLP on scikit-learn's digits, float64 (16 hidden units: 1,498 parameters)."""
    return prepare("mlp", "digits", model_options={"hidden": 16}, progress=False)


@pytest.fixture(scope="session")
def cnn_setup() -> Setup:
    """A small CNN with BatchNorm on digits, float64, eval-mode Hessians."""
    return prepare("small-cnn", "digits", model_options={"channels": 3, "batchnorm": True}, progress=False)
