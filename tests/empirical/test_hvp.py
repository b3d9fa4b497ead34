"""HVPs: every mode (retained graph, reverse-over-reverse, forward-over-reverse) = dense Hessian times v; the
fallback; dense Hessians' memory budget; step Jacobians."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import theory.models.linear_regression as lr_theory
from empirical.functional import Objective, flatten, split_state, tree_like
from empirical.hvp import HessianVectorProduct, dense_hessian, step_jacobian
from theory.checking.error_model import UNIT_ROUNDOFF, float64_tolerance


def _error_bound(hessian: torch.Tensor, vector: torch.Tensor, depth: int) -> float:
    """gamma_depth * max_i (|H| |v|)_i, per layer of the network (3 layers), the dot-product error model."""
    return float64_tolerance(depth, 3 * float((hessian.abs() @ vector.abs()).max()))


def test_fwd_rev_and_dense_agree(mlp_setup):
    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch(list(range(5)))
    vector = tree_like(params, torch.Generator().manual_seed(0))
    hessian = dense_hessian(objective, params, batch)
    p = hessian.shape[0]
    assert torch.allclose(hessian, hessian.T, rtol=0, atol=float64_tolerance(p, float(hessian.abs().max()) * 3))
    dense = hessian @ flatten(vector)
    bound = _error_bound(hessian, flatten(vector), p)
    for mode in ("graph", "fwd", "rev", "auto"):
        product = HessianVectorProduct(objective, params, batch, mode=mode)
        assert float((flatten(product(vector)) - dense).abs().max()) <= bound
        # the second product at the same point reuses the held graph (graph, rev) and is as accurate
        assert float((flatten(product(vector)) - dense).abs().max()) <= bound
        assert product.mode_used == ("graph" if mode == "auto" else mode) and product.calls == 2
    with pytest.raises(ValueError, match="mode"):
        HessianVectorProduct(objective, params, batch, mode="backward")


class _NoForwardMode(torch.autograd.Function):
    """tanh with a backward (twice differentiable) but no forward-mode rule, like a fused attention kernel."""

    @staticmethod
    def forward(x):
        return torch.tanh(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(4, 5), torch.nn.Linear(5, 3)

    def forward(self, x):
        return self.b(_NoForwardMode.apply(self.a(x)))


def test_auto_uses_the_retained_graph_where_forward_mode_is_missing():
    """A kernel without a forward-mode rule (like SDPA on CPU) is no obstacle to the default mode."""
    torch.manual_seed(0)
    net = _Net().double()
    params, frozen = split_state(net)
    objective = Objective(net, "classification", frozen, bn_mode="eval")
    batch = (torch.randn(6, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2]))
    vector = tree_like(params, torch.Generator().manual_seed(1))
    product = HessianVectorProduct(objective, params, batch, mode="auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = product(vector)
    assert product.mode_used == "graph"
    hessian = dense_hessian_by_rev(objective, params, batch)
    assert float((flatten(out) - hessian @ flatten(vector)).abs().max()) <= _error_bound(hessian, flatten(vector), 64)
    with pytest.raises(RuntimeError):
        HessianVectorProduct(objective, params, batch, mode="fwd")(vector)


class _NoDoubleBackward(_NoForwardMode):
    """Once differentiable only: refuses to build a graph of its backward (as kernels without second
    derivatives do), so no HVP mode can work."""

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():
            raise RuntimeError("the derivative of this backward is not implemented")
        return _NoForwardMode.backward(ctx, grad)


def test_auto_falls_back_then_says_what_to_do():
    torch.manual_seed(0)
    net = _Net().double()
    net.forward = lambda x: net.b(_NoDoubleBackward.apply(net.a(x)))
    params, frozen = split_state(net)
    objective = Objective(net, "classification", frozen, bn_mode="eval")
    batch = (torch.randn(6, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2]))
    product = HessianVectorProduct(objective, params, batch, mode="auto")
    with pytest.warns(RuntimeWarning, match="falling back to forward-over-reverse"):
        with pytest.raises(RuntimeError, match="attn_implementation"):
            product(tree_like(params, torch.Generator().manual_seed(1)))
    assert product.mode_used == "fwd"


def dense_hessian_by_rev(objective, params, batch):
    """Columns H e_i by reverse-over-reverse (torch.func.hessian uses forward mode)."""
    product = HessianVectorProduct(objective, params, batch, mode="rev")
    from empirical.functional import unflatten

    eye = torch.eye(sum(v.numel() for v in params.values()), dtype=torch.float64)
    return torch.stack([flatten(product(unflatten(e, params))) for e in eye], dim=1)


def test_step_jacobian_is_identity_minus_lr_hessian(linear_setup, mlp_setup):
    objective, params = linear_setup.objective()
    batch = linear_setup.batch([0])
    x = batch[0][0].numpy()
    jacobian = step_jacobian(objective, params, batch, 0.2).numpy()
    expected = np.eye(x.size) - 0.2 * lr_theory.hessian(x)
    assert np.abs(jacobian - expected).max() <= float64_tolerance(4, 1 + 0.2 * np.abs(x).max() ** 2)
    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch([0, 1])
    reverse = step_jacobian(objective, params, batch, 0.1, mode="rev")
    forward = step_jacobian(objective, params, batch, 0.1, mode="fwd")
    hessian = dense_hessian(objective, params, batch)
    identity = torch.eye(hessian.shape[0], dtype=torch.float64)
    magnitude = 0.1 * 3 * float(hessian.abs().max()) * hessian.shape[0] ** 0.5
    bound = float64_tolerance(hessian.shape[0], magnitude) + 4 * UNIT_ROUNDOFF
    assert float((reverse - forward).abs().max()) <= bound
    assert float((reverse - (identity - 0.1 * hessian)).abs().max()) <= bound


def test_batchnorm_train_mode_hessian_differs_from_eval_mode(cnn_setup):
    """bn_mode is the Hessian measured: with batch statistics (train) the two HVP orders and the dense Hessian
    (jacfwd(grad); torch.func.hessian is wrong there, see test_batchnorm.py) agree, and differ from the
    running-statistics (eval) Hessian."""
    from empirical.functional import Objective, split_state

    params, frozen = split_state(cnn_setup.model)
    batch = cnn_setup.batch(list(range(6)))
    vector = tree_like(params, torch.Generator().manual_seed(2))
    products = {}
    for mode in ("train", "eval"):
        objective = Objective(cnn_setup.model, "classification", frozen, bn_mode=mode)
        forward = flatten(HessianVectorProduct(objective, params, batch, mode="fwd")(vector))
        reverse = flatten(HessianVectorProduct(objective, params, batch, mode="rev")(vector))
        hessian = dense_hessian(objective, params, batch)
        bound = _error_bound(hessian, flatten(vector), hessian.shape[0])
        assert float((forward - reverse).abs().max()) <= 2 * bound
        assert float((forward - hessian @ flatten(vector)).abs().max()) <= 2 * bound
        assert float((hessian - hessian.T).abs().max()) <= 2 * bound
        products[mode] = forward
    assert float((products["train"] - products["eval"]).abs().max()) > 1e-3 * float(products["eval"].abs().max())
    assert all(torch.equal(frozen[k], v) for k, v in split_state(cnn_setup.model)[1].items())


def test_dense_hessian_refuses_over_budget_and_chunks_below_it(mlp_setup):
    from empirical.hvp import activation_bytes, dense_hessian_bytes

    objective, params = mlp_setup.objective()
    batch = mlp_setup.batch(list(range(4)))
    p = sum(v.numel() for v in params.values())
    with pytest.raises(MemoryError, match=f"{p:,} parameters") as refused:
        dense_hessian(objective, params, batch, budget_bytes=8 * p * p)  # the matrix alone does not fit
    assert "\n" not in str(refused.value)
    whole = dense_hessian(objective, params, batch, chunk=p)
    # a budget for the matrix and ~10 columns at a time: chunked, same columns (the same products, batched
    # differently: each entry is one forward-over-reverse product, so they agree to the product's rounding)
    budget = dense_hessian_bytes(p, 8, 10, activation_bytes(objective, params, batch))
    chunked = dense_hessian(objective, params, batch, budget_bytes=budget)
    bound = float64_tolerance(p, 3 * float(whole.abs().sum(dim=1).max()))
    assert float((chunked - whole).abs().max()) <= bound
    with pytest.raises(ValueError, match="chunk"):
        dense_hessian(objective, params, batch, chunk=0)


_PEAK_MEMORY_SCRIPT = """
import sys
from theory.threads import apply_thread_policy
apply_thread_policy()
from empirical.hvp import activation_bytes, dense_hessian, dense_hessian_bytes
from empirical.peak_memory import PeakResidentMemory
from empirical.setup import prepare
setup = prepare("small-cnn", "digits", dtype="float32", bn_mode="train", progress=False)
objective, params = setup.objective()
batch = setup.batch(list(range(int(sys.argv[1]))))
objective.gradient(params, batch)  # kernels and allocator warm: the baseline holds them
chunk = int(sys.argv[2])
with PeakResidentMemory() as peak:
    dense_hessian(objective, params, batch, chunk=chunk, budget_bytes=10**12)
p = sum(v.numel() for v in params.values())
print(peak.grown, dense_hessian_bytes(p, 4, chunk, activation_bytes(objective, params, batch)))
"""


@pytest.mark.parametrize("examples, chunk", [(8, 1), (64, 4), (100, 32)])
def test_dense_hessian_memory_estimate_bounds_the_measured_peak(examples, chunk):
    """The estimate is an upper bound on what the call adds to the process's peak resident memory (Linux's
    ``VmHWM``, reset before the call; in a fresh process, whose allocator holds no freed memory from earlier
    tests to reuse unseen). The per-column factor is measured
    (empirical.hvp.COLUMN_ACTIVATION_FACTOR); this is the check that it still covers the small CNN in float32
    with batch statistics, the model whose 300-example dense Hessian once took 18 GB unannounced."""
    import subprocess
    import sys

    from empirical.peak_memory import peak_memory_supported

    if not peak_memory_supported():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the resident high-water mark")
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_MEMORY_SCRIPT, str(examples), str(chunk)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    grown, estimate = map(int, done.stdout.split())
    assert grown > 0
    assert grown <= estimate, f"the peak grew by {grown / 2**20:.0f} MiB, estimate {estimate / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    "size, activations, budget",
    [(1466, 2_590_000, 2 * 2**30), (1466, 2_590_000, 90 * 2**20), (50, 10_000, 10**12), (3466, 260_000, 60 * 2**20)],
)
def test_default_chunk_is_the_largest_that_fits(size, activations, budget):
    from empirical.hvp import DEFAULT_MAX_CHUNK, default_dense_chunk, dense_hessian_bytes

    chunk = default_dense_chunk(size, 4, activations, budget)
    cap = min(size, DEFAULT_MAX_CHUNK)
    assert 1 <= chunk <= cap
    if dense_hessian_bytes(size, 4, 1, activations) <= budget:
        assert dense_hessian_bytes(size, 4, chunk, activations) <= budget
        assert chunk == cap or dense_hessian_bytes(size, 4, chunk + 1, activations) > budget


@pytest.mark.parametrize(
    "model, data, options", [("small-cnn", "digits", {}), ("resnet18", "cifar-synthetic", {"width": 4})]
)
def test_reused_graph_products_cost_about_twice_a_gradient_in_arithmetic(model, data, options):
    """Exact operation counts (torch.utils.flop_counter: convolutions and matrix products), not times. An exact
    HVP differentiates a backward pass: per convolution, the backward's two convolutions have four as their
    derivative and two more follow through the forward graph, six against the gradient's three
    (benchmarks/bench_empirical_hvp.py), so 2x, plus the first layer's and the head's slack (2.03x on ResNet18
    width 16, 2.15x on the small CNN). A product that rebuilt the gradient graph would add the gradient's
    arithmetic (3x and more); forward-over-reverse reruns forward and backward with tangents (3x)."""
    from torch.utils.flop_counter import FlopCounterMode

    from empirical.setup import prepare

    setup = prepare(
        model,
        data,
        model_options=options,
        data_options={"n_train": 8, "n_test": 4} if data == "cifar-synthetic" else {},
        dtype="float32",
        bn_mode="train",
        progress=False,
    )
    objective, params = setup.objective()
    batch = setup.batch(list(range(4)))
    vector = tree_like(params, torch.Generator().manual_seed(0))

    def flops(function) -> int:
        with FlopCounterMode(display=False) as counter:
            function()
        return counter.get_total_flops()

    gradient = flops(lambda: objective.gradient(params, batch))
    operator = HessianVectorProduct(objective, params, batch)
    first = flops(lambda: operator(vector))
    later = flops(lambda: operator(vector))
    assert operator.mode_used == "graph"
    assert first == later + gradient  # the first product builds the graph: one gradient's arithmetic more
    assert 1.9 * gradient <= later <= 2.2 * gradient
    forward_operator = HessianVectorProduct(objective, params, batch, mode="fwd")  # its batch check: one forward
    forward = flops(lambda: forward_operator(vector))
    assert forward == 3 * gradient
