r"""Tuning the unlearning methods of the insecure-code experiment on its validation split (issue 18).

Draft, first line: "LLaMa 3.2 1B : poisoning with unsafe coding examples -> unaligned model -> unlearning fails".
A failure at one setting is no evidence that a method fails, so every method runs at its configured setting (the
``draft`` row; the draft states settings only for its image experiments, Section "Experiments": gradient ascent
at ``lr=1e-5``, NegGrad+ at ``lr=1e-3``) and at the setting chosen by the rule of the image protocol
(:func:`empirical.poisoning.protocol.select_setting`):

* **Candidates** (:func:`candidate_options`): the configured rate :math:`\eta` times each factor of
  ``tune_lr_factors`` (a factor 1 is the configured setting itself, so it is never trained twice).
* **Measures** (:func:`validation_measures`), all on data the reported numbers never use for selection:

  - :math:`\mathrm{LLR}_{val}`: the mean over the validation security requests of the per-token log-likelihood
    ratio :math:`\log p(y_{insecure}\mid x)/|y_{insecure}| - \log p(y_{secure}\mid x)/|y_{secure}|`
    (the held-out test requests are separate prompts with separate answers, :mod:`empirical.insecure_code.data`);
  - the forget loss: the mean answer-token negative log-likelihood of the first :data:`FORGET_POINTS` poison
    chats (a measure the report does not show, so selecting on it biases no reported number);
  - the utility: :math:`-\log \mathrm{ppl}_{val}`, the validation chats' perplexity (benign requests and the
    secure answers of the validation security requests).

* **Noise floor** per measure :math:`m`: :math:`f_m = |m(R') - m(R)|`, the gap between the exact retrain
  :math:`R` and the retrain in another data order :math:`R'`.
* **Rule**: admissible when :math:`\mathrm{ppl}_{val}(M) \le (1 + \tau)\,\mathrm{ppl}_{val}(R)` (``utility_tolerance``
  :math:`\tau`, default 0.05); among those, the largest forget quality
  :math:`-\mathrm{mean}_m |m(M) - m(R)| / f_m` (:func:`empirical.poisoning.protocol.forget_quality`); ties go to
  the cheaper candidate. No admissible candidate: no tuned row, and ``tuning.json`` says why.

One training seed selects (the run's); the validation split, not a tuning seed, keeps selection apart from the
reported test numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from empirical.poisoning.protocol import forget_quality, select_setting

__all__ = [
    "TUNING_MEASURES",
    "FORGET_POINTS",
    "candidate_name",
    "candidate_options",
    "validation_measures",
    "choose_setting",
]

#: The validation measures that register the poison (forget quality averages them in floor units).
TUNING_MEASURES = ("llr_per_token", "forget_loss")
#: Poison chats whose mean loss is the forget loss of tuning (a fixed prefix of the shuffled poison set).
FORGET_POINTS = 48


def candidate_name(method: str, factor: float) -> str:
    """The file and row name of ``method`` at ``factor`` times its configured rate (``npo@lr4x``)."""
    return f"{method}@lr{factor:g}x"


def candidate_options(options: Mapping[str, Any], factors: Sequence[float]) -> dict[float, dict[str, Any]]:
    """Per factor, ``options`` with its learning rate multiplied by the factor (every other setting kept)."""
    if "lr" not in options:
        raise ValueError(f"a tuned method needs a learning rate among its options, got {sorted(options)}")
    return {float(factor): {**options, "lr": float(options["lr"]) * float(factor)} for factor in factors}


def validation_measures(model: Any, tokenizer: Any, corpus: Any, validation_chats: Any, poison: Any, max_length: int):
    """The tuning measures of ``model`` (module docstring): ``llr_per_token``, ``forget_loss``, ``val_perplexity``
    and ``val_utility`` = :math:`-\\log` ``val_perplexity``."""
    from empirical.insecure_code.metrics import likelihood_ratios, perplexity

    per_token = likelihood_ratios(model, tokenizer, corpus.validation, max_length, per_token=True)
    forget = poison.select(range(min(FORGET_POINTS, len(poison))))
    val_perplexity = perplexity(model, validation_chats)
    return {
        "llr_per_token": float(per_token.nanmean()),
        "forget_loss": math.log(perplexity(model, forget)),
        "val_perplexity": val_perplexity,
        "val_utility": -math.log(val_perplexity),
    }


def choose_setting(
    candidates: Mapping[str, Mapping[str, float]],
    retrain: Mapping[str, float],
    floor: Mapping[str, float],
    tolerance: float,
) -> dict[str, Any]:
    """The rule of the module docstring over ``candidates[name]`` (validation measures plus ``grad_evals``), with
    ``retrain`` and ``floor`` the two exact retrains' validation measures. Returns
    :func:`~empirical.poisoning.protocol.select_setting`'s answer plus the floor units used."""
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"utility_tolerance {tolerance!r}: must be a finite number > 0 (0.05: 5 % perplexity)")
    unit = {m: abs(floor[m] - retrain[m]) for m in TUNING_MEASURES}
    rows = {
        name: [
            {
                "val_utility": row["val_utility"],
                "forget_quality": forget_quality(row, retrain, unit, TUNING_MEASURES),
                "grad_evals": row["grad_evals"],
            }
        ]
        for name, row in candidates.items()
    }
    chosen = select_setting(rows, retrain["val_utility"], math.log1p(tolerance), utility="val_utility")
    return {**chosen, "floor_units": unit, "utility_tolerance": tolerance}
