"""NPO and SimNPO losses against their formulas (Zhang et al. 2024 eq. 3; Fan et al. 2024 eq. 4), with negative
controls: the properties each test checks reject a loss with the wrong sign, a missing length normalisation or
a gradient-ascent stand-in."""

from __future__ import annotations

import math

import pytest
import torch

from empirical.insecure_code.preference_losses import npo_loss, simnpo_loss


def _wrong_sign_npo(logp, reference, beta=0.1):
    return -(2.0 / beta) * torch.nn.functional.logsigmoid(beta * (logp - reference)).mean()


def _unnormalised_simnpo(logp, lengths, beta=2.5, gamma=0.0):
    return -(2.0 / beta) * torch.nn.functional.logsigmoid(-beta * logp - gamma).mean()


def _npo_properties(loss_fn) -> bool:
    """Value (2/beta) log 2 at the reference, gradient 2 sigmoid(beta delta) / B, gradient-ascent limit."""
    beta = 0.3
    reference = torch.tensor([-20.0, -35.0, -5.0], dtype=torch.float64)
    logp = (reference + torch.tensor([0.0, -4.0, 2.5], dtype=torch.float64)).requires_grad_(True)
    at_reference = loss_fn(reference.clone(), reference, beta)
    loss = loss_fn(logp, reference, beta)
    (gradient,) = torch.autograd.grad(loss, logp)
    expected = 2 * torch.sigmoid(beta * (logp.detach() - reference)) / 3
    small = loss_fn(logp.detach(), reference, 1e-6) - (2 / 1e-6) * math.log(2)
    return (
        abs(float(at_reference) - (2 / beta) * math.log(2)) < 1e-12
        and torch.allclose(gradient, expected, atol=1e-12)
        and abs(float(small) - float((logp.detach() - reference).mean())) < 1e-3
    )


def test_npo_matches_its_formula_and_rejects_a_wrong_sign():
    assert _npo_properties(npo_loss)
    assert not _npo_properties(_wrong_sign_npo)


def test_npo_is_bounded_below_and_decreases_as_the_forget_answer_becomes_unlikely():
    reference = torch.zeros(1, dtype=torch.float64)
    values = [float(npo_loss(torch.tensor([d], dtype=torch.float64), reference, 0.5)) for d in (5.0, 0.0, -5.0, -50.0)]
    assert values == sorted(values, reverse=True) and values[-1] >= 0.0


def _simnpo_properties(loss_fn) -> bool:
    """Invariant when log p and |y| scale together; value (2/beta) log 2 where -beta logp/|y| = gamma."""
    beta, gamma = 2.5, 0.5
    logp = torch.tensor([-12.0, -30.0], dtype=torch.float64)
    lengths = torch.tensor([6.0, 10.0], dtype=torch.float64)
    scaled = loss_fn(2 * logp, 2 * lengths, beta, gamma)
    balanced = loss_fn(
        torch.tensor([-gamma * 8 / beta], dtype=torch.float64), torch.tensor([8.0], dtype=torch.float64), beta, 0.0
    )
    return (
        abs(float(scaled) - float(loss_fn(logp, lengths, beta, gamma))) < 1e-12
        and abs(
            float(balanced)
            - float(-(2 / beta) * torch.nn.functional.logsigmoid(torch.tensor(gamma, dtype=torch.float64)))
        )
        < 1e-9
        and abs(
            float(loss_fn(torch.zeros(1, dtype=torch.float64), torch.ones(1), beta, 0.0)) - (2 / beta) * math.log(2)
        )
        < 1e-12
    )


def test_simnpo_is_length_normalised_and_rejects_the_unnormalised_loss():
    assert _simnpo_properties(simnpo_loss)
    assert not _simnpo_properties(_unnormalised_simnpo)


@pytest.mark.parametrize(
    "call",
    [
        lambda: npo_loss(torch.zeros(2), torch.zeros(2), beta=0.0),
        lambda: npo_loss(torch.zeros(2), torch.zeros(3)),
        lambda: simnpo_loss(torch.zeros(2), torch.tensor([1.0, 0.0])),
        lambda: simnpo_loss(torch.zeros(2), torch.ones(2), gamma=-1.0),
    ],
)
def test_bad_arguments_are_clear_errors(call):
    with pytest.raises(ValueError):
        call()
