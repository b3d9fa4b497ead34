"""empirical.gus: one GUS for images and text; its N(0, 1) null under the package's own clamping (issue 17)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from scipy import stats

from empirical.gus import gus_scores, gus_test
from empirical.poisoning.attacks import craft
from empirical.poisoning.evaluation import gus_statistic
from empirical.poisoning.measures import input_gradients
from empirical.poisoning.training import default_loss, run_steps, schedule
from empirical.train import TrainConfig

#: Level of the KS tests: a correct implementation fails one with probability <= this (fixed seeds make each run
#: deterministic; the level says how unlucky a seed would have to be).
LEVEL = 0.01


@pytest.fixture(scope="module")
def trained_mlp(mlp_setup):
    """The MLP trained 2 epochs on the training set: a model independent of every noise drawn below, with the
    input gradients of a trained model (the untrained one's are sign-random on the background pixels)."""
    setup = copy.copy(mlp_setup)
    setup.model = copy.deepcopy(mlp_setup.model)
    config = TrainConfig(epochs=2, batch_size=64, lr=0.1, seed=0)
    run_steps(
        setup.model,
        setup.data.train_x,
        setup.data.train_y,
        schedule(setup.data.train_x.shape[0], config),
        config,
        default_loss("classification"),
    )
    return setup


def _clamped_gaussian_poisons(setup, draw: int, count: int = 100, eps: float = 0.05):
    """The package's Gaussian attack as it is run: x + xi projected onto the valid range (clamp=True)."""
    objective, params = setup.objective()
    indices = torch.arange(count)
    x, y = setup.batch(indices.numpy())
    poisons = craft(
        "gaussian",
        objective,
        params,
        x,
        y,
        indices,
        setup.data.lower,
        setup.data.upper,
        eps=eps,
        generator=torch.Generator().manual_seed(draw),
    )
    return objective, params, poisons


def test_gus_null_is_standard_normal_under_the_packages_clamping(trained_mlp):
    """On a model independent of the noise (trained on clean data, it never saw the noise), the GUS of the drawn noise is N(0, 1)
    (KS, level LEVEL) although the poisons were clamped to [0, 1] (most digit pixels sit at 0: heavy clamping);
    negative control: the score of the perturbation actually added (clamped, normalised by its RMS) is rejected."""
    drawn, added = [], []
    for draw in range(20):
        objective, params, poisons = _clamped_gaussian_poisons(trained_mlp, draw)
        assert not torch.equal(poisons.delta, poisons.noise)  # the clamping did act
        drawn.append(gus_statistic(objective, params, poisons.sources, poisons.targets, poisons.noise, poisons.eps))
        delta = poisons.delta.reshape(len(poisons), -1)
        rms = delta.pow(2).mean(dim=1).sqrt()
        added.append(
            gus_statistic(
                objective,
                params,
                poisons.sources,
                poisons.targets,
                (delta / rms[:, None]).reshape(poisons.sources.shape),
                1.0,
            )
        )
    assert stats.kstest(torch.cat(drawn).numpy(), "norm").pvalue > LEVEL
    assert stats.kstest(torch.cat(added).numpy(), "norm").pvalue < LEVEL


def test_one_sign_convention_for_images_and_text(mlp_setup):
    """A step of the input along -g (what a model that learned x + xi does to its loss) gives a positive score,
    through the image statistic and the shared function alike; the test is two-sided."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(np.arange(20))
    gradient = input_gradients(objective, params, x, y)
    remembered = -0.05 * gradient / gradient.reshape(20, -1).norm(dim=1).view(-1, 1, 1, 1)
    image = gus_statistic(objective, params, x, y, remembered, 0.05)
    assert torch.allclose(image, torch.ones(20, dtype=image.dtype))
    assert torch.equal(image, gus_scores(remembered, gradient, 0.05))
    low, high = gus_test(-image), gus_test(image)
    assert low["gus_z"] == -high["gus_z"] and low["gus_p"] == high["gus_p"] < 1e-4
    assert gus_test(torch.zeros(5))["gus_p"] == 1.0
    with pytest.raises(ValueError, match="scale"):
        gus_scores(remembered, gradient, 0.0)


def test_text_gus_calls_the_shared_function():
    """The text GUS (insecure_code) has no scoring code of its own: it calls empirical.gus."""
    import inspect

    from empirical.insecure_code import metrics

    source = inspect.getsource(metrics.gaussian_unlearning_scores)
    assert "gus_scores(" in source and "gus_test(" in source and ".norm(" not in source
    assert math.isclose(gus_test([1.0, 1.0, 1.0, 1.0])["gus_z"], 2.0)
