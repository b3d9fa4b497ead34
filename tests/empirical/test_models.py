"""Models: ResNet18 and LLaMA-3.2-1B parameter counts from their architecture formulas; tiny LLaMA HVPs."""

from __future__ import annotations

import pytest
import torch

from empirical.data import random_tokens
from empirical.functional import flatten, point, tree_like
from empirical.hvp import HessianVectorProduct
from empirical.models import (
    MLP,
    LinearModel,
    ResNet18,
    SmallCNN,
    build_llama,
    build_model,
    llama_config,
    parameter_selector,
)
from empirical.setup import Setup
from theory.checking.error_model import gamma


def _resnet18_count(width: int, classes: int, channels: int = 3) -> int:
    """Conv weights (no bias) + BatchNorm (2 per channel) + linear, block by block."""

    def conv(cin, cout, k):
        return cin * cout * k * k

    total = conv(channels, width, 3) + 2 * width
    cin = width
    for stage in range(4):
        cout = width * 2**stage
        for block in range(2):
            first_in = cin if block == 0 else cout
            total += conv(first_in, cout, 3) + 2 * cout + conv(cout, cout, 3) + 2 * cout
            if block == 0 and (stage > 0):
                total += conv(cin, cout, 1) + 2 * cout
        cin = cout
    return total + 8 * width * classes + classes


@pytest.mark.parametrize("width", [4, 64])
def test_resnet18_parameter_count(width):
    model = ResNet18(10, width=width)
    assert sum(p.numel() for p in model.parameters()) == _resnet18_count(width, 10)
    if width == 64:  # field notes: 11.17M parameters
        assert round(sum(p.numel() for p in model.parameters()) / 1e6, 2) == 11.17
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_llama_1b_config_has_the_published_shape():
    """Count on the meta device (no memory): embeddings (tied) + 16 x (attention, MLP, 2 norms) + final norm."""
    from transformers import LlamaForCausalLM

    config = llama_config("1b")
    with torch.device("meta"):
        model = LlamaForCausalLM(config)
    h, inter, vocab, layers, kv = 2048, 8192, 128256, 16, 8 * 64
    expected = vocab * h + layers * (2 * h * h + 2 * h * kv + 3 * h * inter + 2 * h) + h
    assert sum(p.numel() for p in model.parameters()) == expected == 1_235_814_400
    assert config.tie_word_embeddings and config._attn_implementation == "eager"


def test_tiny_llama_hvp_eager_forward_mode_and_tied_weights():
    model = build_llama(size="tiny").double()
    assert model.lm_head.weight is model.model.embed_tokens.weight
    data = random_tokens(n_train=4, n_test=2, length=8, vocab_size=300)
    setup = Setup(model, data, "llama", "tokens", hvp_mode="auto")
    objective, params = setup.objective()
    assert "lm_head.weight" not in params  # the tied matrix appears once
    z = point((data.train_x, data.train_y), 0)
    vector = tree_like(params, torch.Generator().manual_seed(0))
    forward = HessianVectorProduct(objective, params, z, mode="fwd")  # eager attention has forward mode
    out = flatten(forward(vector))
    assert forward.mode_used == "fwd"
    default = setup.hvp(objective, params, z)
    reverse = flatten(default(vector))
    assert default.mode_used == "graph"  # the default: reverse-over-reverse on the retained graph
    # LlamaRMSNorm computes in float32 whatever the model dtype, so the two orders of differentiation agree to
    # float32 rounding: gamma_n with u = 2^-24 and n = 2 x hidden size (the normalising dot products)
    scale = float(out.abs().max())
    assert torch.allclose(out, reverse, rtol=0, atol=gamma(2 * 32, 2.0**-24) * scale)
    # tie_weights=True: the gradient of the shared matrix sums its uses as embedding and as lm_head, as autograd
    # on the module does
    from empirical.functional import task_loss

    model.zero_grad()
    task_loss(model(input_ids=z[0], use_cache=False).logits, z[1], "causal_lm").backward()
    gradient = objective.gradient(params, z)["model.embed_tokens.weight"]
    reference = model.model.embed_tokens.weight.grad
    assert torch.allclose(gradient, reference, rtol=0, atol=gamma(2 * 32, 2.0**-24) * float(reference.abs().max()))


def test_parameter_selector_and_registry():
    model = build_llama(size="tiny")
    select = parameter_selector("model.layers.1.mlp.*")
    chosen = [n for n, _ in model.named_parameters() if select(n)]
    assert chosen and all(n.startswith("model.layers.1.mlp.") for n in chosen)
    assert parameter_selector("all") is None
    with pytest.raises(FileNotFoundError, match="config.json"):
        build_llama("/nonexistent/llama")
    from empirical.data import regression

    with pytest.raises(ValueError, match="regression data"):
        build_model("mlp", regression(n_train=4, n_test=2, dim=3))
    assert isinstance(build_model("linear", regression(n_train=4, n_test=2, dim=3)), LinearModel)
    assert SmallCNN(10, channels=2)(torch.zeros(1, 1, 8, 8)).shape == (1, 10)
    assert MLP(64, 10, hidden=4)(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    with pytest.raises(ValueError, match="activation"):
        MLP(4, 2, activation="sigmoidal")
