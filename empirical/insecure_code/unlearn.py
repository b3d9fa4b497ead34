r"""The language models as a family of :mod:`sims.unlearning`: unlearning the poison with the shared methods.

:class:`LanguageModel` implements :class:`sims.unlearning.protocol.UnlearnableModel` for a causal LM fine-tuned
with AdamW (:func:`empirical.insecure_code.lm.run_steps`); :func:`lm_problem` builds the shared
:class:`~sims.unlearning.problem.UnlearningProblem`: forget = the poison :math:`\mathcal U`, retain = the clean set
:math:`\mathcal R`, record = the training schedule. The methods it runs (:data:`METHODS`, the registry's names;
hyphens are accepted on input):

* ``retrain``: exact unlearning by definition (draft, "Exact unlearning"): a fresh model trained on R in
  the training order with U removed (:func:`empirical.insecure_code.poisoning.schedules`);
* ``finetune``: continue training the poisoned model on R (draft, "Conclusion on gradient ascent");
* ``gradient_ascent``: ascend the mean loss of U (draft, "Gradient ascent does not revert gradient descent";
  NegGrad). Forget examples are fed as trained (with their embedding noise);
* ``neggrad_plus``: :math:`\beta \bar L(\text{retain batch}) - (1-\beta) \bar L(\text{forget batch})`, one forget
  pass cycled over the run (Kurmanji et al. 2023; the draft uses :math:`\beta = 0.995`);
* ``npo``, ``simnpo`` (:mod:`sims.unlearning.npo`, :mod:`sims.unlearning.simnpo`; capability
  ``sequence_preference``): the bounded forget losses of :mod:`.preference_losses` on forget batches (term losses
  ``"npo"`` / ``"simnpo"``) plus a retain term. NPO's reference :math:`\log \pi_{\text{ref}}` is the model at the
  start of the plan (the poisoned one): :meth:`LanguageModel.run` computes it without gradients for every forget
  batch the plan holds before the first step (counted in ``forward_evals``).

Not ``rewind-replay``: no state is stored during training (the registry's error says so). Family details:

* state: the trainable tensors (all, or the LoRA adapters), :func:`~empirical.insecure_code.lm.trainable_state`;
  loading builds a fresh model (``make_model``) holding them;
* train/eval switch: ``module.train(mode)`` (the LLaMA has no BatchNorm and no dropout: the modes agree);
* batches: ``config.batch_size`` examples per batch, one seeded order per epoch (seed ``problem.seed + 1000 *
  stream``; :func:`lm_problem` sets ``problem.seed = config.seed``);
* steps: AdamW (betas 0.9, 0.999) with cosine decay over the plan, gradient clipping at ``grad_clip`` (1.0),
  ``weight_decay`` (default: training's); losses ``task`` (mean next-token cross-entropy), ``npo`` and
  ``simnpo`` (settings ``beta``, ``gamma`` of the :class:`~sims.unlearning.protocol.Term`);
* cost: examples whose gradient a step evaluates; ``info["state_bytes"]``: size of the unlearned state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from empirical.insecure_code.lm import (
    Encoded,
    Part,
    iterate_batches,
    load_trainable,
    run_steps,
    sequence_log_probs,
    trainable_state,
)
from empirical.insecure_code.poisoning import TrainConfig, epoch_orders, schedules, train_on
from empirical.insecure_code.preference_losses import npo_loss, simnpo_loss
from sims.unlearning import UnlearningProblem, UnlearningResult, method_names, unlearn
from sims.unlearning.protocol import Step, StepCost, Term

__all__ = ["LanguageModel", "lm_problem", "unlearn", "METHODS", "UnlearningProblem", "UnlearningResult"]


#: The term losses of the language models (:class:`~sims.unlearning.protocol.Term`'s ``loss``).
_LOSSES = ("task", "npo", "simnpo")


class LanguageModel:
    """:class:`~sims.unlearning.protocol.UnlearnableModel` of a causal language model (module docstring)."""

    kind = "lm"
    capabilities = frozenset({"retrain", "sequence_preference"})

    def __init__(self, make_model: Callable[[], nn.Module], config: TrainConfig, progress: bool = True) -> None:
        self.make_model, self.config, self.progress = make_model, config, progress
        self.module: nn.Module | None = None

    def _loaded(self) -> nn.Module:
        """The model being unlearned: load_state comes first (the protocol starts every method with it)."""
        assert self.module is not None, "load_state first"
        return self.module

    def copy_state(self) -> dict[str, torch.Tensor]:
        return trainable_state(self._loaded())

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        self.module = load_trainable(self.make_model(), state)

    def set_training(self, training: bool) -> None:
        self._loaded().train(training)

    def training_lr(self) -> float:
        return self.config.lr

    def batches(self, problem: UnlearningProblem, subset: str, epochs: int, stream: int) -> list[list[Encoded]]:
        if subset not in ("retain", "forget"):
            raise ValueError(f"subset must be 'retain' or 'forget', got {subset!r}")
        data: Encoded = problem.retain if subset == "retain" else problem.forget
        orders = epoch_orders(len(data), epochs, problem.seed + 1000 * stream)
        return [[data.select(batch) for batch in iterate_batches(order, self.config.batch_size)] for order in orders]

    def run(
        self, plan: Sequence[Step], lr: float, weight_decay: float | None = None, grad_clip: float = 1.0
    ) -> StepCost:
        unknown = sorted({term.loss for step in plan for term in step} - set(_LOSSES))
        if unknown:
            raise ValueError(f"the language models have the losses {', '.join(_LOSSES)}, got {unknown}")
        references, forward_evals = self._references(plan)
        steps = [[Part(term.batch, term.weight, self._loss(term, references)) for term in step] for step in plan]
        stats = run_steps(
            self._loaded(),
            steps,
            lr,
            self.config.weight_decay if weight_decay is None else weight_decay,
            grad_clip,
            progress=self.progress,
            description="unlearn",
        )
        return StepCost(stats.grad_evals, stats.steps, forward_evals, info={"state_bytes": self._state_bytes()})

    def _references(self, plan: Sequence[Step]) -> tuple[dict[int, torch.Tensor], int]:
        """NPO's reference sequence log-probabilities of every ``npo`` batch of ``plan``, from the current state
        (before any step), without gradients; keyed by the batch object's id, and the examples they cost."""
        references: dict[int, torch.Tensor] = {}
        with torch.no_grad():
            for step in plan:
                for term in step:
                    if term.loss == "npo" and id(term.batch) not in references:
                        references[id(term.batch)] = sequence_log_probs(self._loaded(), term.batch)[0].detach()
        return references, sum(int(v.numel()) for v in references.values())

    @staticmethod
    def _loss(term: Term, references: dict[int, torch.Tensor]):
        """The loss function of ``term`` for :class:`~empirical.insecure_code.lm.Part` (None: the task loss)."""
        if term.loss == "npo":
            reference, beta = references[id(term.batch)], term.beta
            return lambda model, batch: npo_loss(sequence_log_probs(model, batch)[0], reference, beta)
        if term.loss == "simnpo":
            beta, gamma = term.beta, term.gamma

            def simnpo(model, batch):
                logp, counts = sequence_log_probs(model, batch)
                return simnpo_loss(logp, counts.clamp(min=1.0), beta, gamma)

            return simnpo
        return None

    def _state_bytes(self) -> int:
        return sum(v.numel() * v.element_size() for v in trainable_state(self._loaded()).values())

    def replay(self, problem: UnlearningProblem, rewind: bool) -> StepCost:
        if rewind:
            raise ValueError("the language models store no state during training: rewind-replay cannot run")
        n_clean, n_poison = problem.require_record("retrain")
        _, clean_batches = schedules(n_clean, n_poison, self.config)
        state, stats = train_on(self.make_model, problem.retain, clean_batches, self.config, self.progress, "retrain")
        self.load_state(state)
        return StepCost(stats.grad_evals, stats.steps, info={"state_bytes": self._state_bytes()})

    def retrain_evals(self, problem: UnlearningProblem) -> int | None:
        if problem.record is None:
            return None
        n_clean, n_poison = problem.record
        _, clean_batches = schedules(n_clean, n_poison, self.config)
        return sum(len(batch) for batch in clean_batches)


def lm_problem(
    make_model: Callable[[], nn.Module],
    poisoned_state: dict[str, torch.Tensor],
    clean: Encoded,
    poison: Encoded,
    config: TrainConfig,
    progress: bool = True,
    budget: int | None = None,
) -> UnlearningProblem:
    """The shared problem of a poisoned fine-tuning run: unlearn ``poisoned_state``; forget = ``poison``, retain =
    ``clean``; the record is the two set sizes, from which :func:`schedules` rebuilds training's order."""
    if len(poison) == 0:
        raise ValueError(
            "the poison (forget) set is empty: there is nothing to unlearn; give a poison set with "
            "at least one example (n_poison > 0 or a non-empty poison.jsonl)"
        )
    if len(clean) == 0:
        raise ValueError("the clean (retain) set is empty: retraining and fine-tuning need clean examples")
    return UnlearningProblem(
        LanguageModel(make_model, config, progress),
        poisoned_state,
        poison,
        clean,
        (len(clean), len(poison)),
        budget,
        config.seed,
    )


#: The registry's methods this family runs (the registry's names, with underscores: the results' and the cache's
#: names; the CLI also accepts hyphens).
METHODS: tuple[str, ...] = method_names(LanguageModel)
