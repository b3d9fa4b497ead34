"""Poisons against gradient-based unlearning, measured on networks (draft, "Towards the general case").

* :mod:`.attacks`: the draft's FGSM variant, FGSM, Gaussian (Pawelczyk et al. 2024), influence (Koh & Liang
  2017 §5.2), Hessian and gradient-norm poisons; :class:`.attacks.Poisons` keeps sources, labels, budget, noise.
* :mod:`.measures`: per-example loss, gradient norm and Hessian measures (spectral, trace, diagonal).
* :mod:`.influence`: damped conjugate-gradient inverse-HVP with its residual; perturbation influence.
* :mod:`.training`: poisons interleaved in training, the exact reference, checkpoints for rewinding.
* :mod:`.methods`: the torch family of :mod:`sims.unlearning` (its methods run on any ``nn.Module``).
* :mod:`.evaluation`: GUS, loss-threshold MIA, distances, accuracies.
* :mod:`.experiments`, :mod:`.cost`: the checks poison-unlearning, hessian-poisons, delta-influence-cost.
"""
