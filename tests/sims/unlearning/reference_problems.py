"""Small fixed problems on which every unlearning method's output was recorded before the three implementations
were merged into one (issue 22), so that the shared methods can be checked against the old numbers.

``reference_outputs.npz`` (next to this file) holds, for each ``backend/case``, the unlearned state (arrays named
``backend/case/state/<name>``) and its gradient-evaluation count (``backend/case/grad_evals``). It was written by
``record_reference.py`` at the commit before the merge, with the methods of that time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).with_name("reference_outputs.npz")

#: (case name, method, options) on the numpy engines; rng seeds are given as ``rng_seed``.
NUMPY_CASES = (
    ("retrain", "retrain", {}),
    ("rewind_replay", "rewind_replay", {}),
    ("amnesiac", "amnesiac", {}),
    ("finetune_e2", "finetune", {"epochs": 2, "rng_seed": 1}),
    ("gradient_ascent_default", "gradient_ascent", {}),
    ("gradient_ascent_e3_lr", "gradient_ascent", {"epochs": 3, "lr": 0.02}),
    ("neggrad_plus_b09_e2", "neggrad_plus", {"beta": 0.9, "epochs": 2, "rng_seed": 2}),
    ("inversion_closed", "linear_inversion", {"method": "closed"}),
    ("inversion_neumann", "linear_inversion", {"method": "neumann", "terms": 12}),
    ("inversion_fixed_point", "linear_inversion", {"method": "fixed_point", "terms": 12}),
)

#: (case name, method, options) on the torch image models (an MLP, and a CNN with BatchNorm).
TORCH_CASES = (
    ("retrain", "retrain", {}),
    ("rewind_replay", "rewind_replay", {}),
    ("finetune", "finetune", {"epochs": 2, "lr": 0.01}),
    ("gradient_ascent", "gradient_ascent", {"epochs": 2, "lr": 1e-3}),
    ("neggrad_plus", "neggrad_plus", {"epochs": 2, "lr": 1e-2, "beta": 0.9}),
    ("neggrad_plus_aligned", "neggrad_plus_aligned", {"epochs": 2, "lr": 1e-2, "beta": 0.9}),
    ("scrub", "scrub", {"epochs": 2, "max_epochs": 1, "lr": 1e-2}),
)

#: (case name, method, options) on the tiny LLaMA of insecure_code.
LM_CASES = (
    ("retrain", "retrain", {}),
    ("finetune", "finetune", {"epochs": 2, "lr": 1e-3}),
    ("gradient_ascent", "gradient-ascent", {"epochs": 2, "lr": 1e-3}),
    ("neggrad_plus", "neggrad-plus", {"epochs": 2, "lr": 1e-3, "beta": 0.9}),
)


def numpy_run_inputs(aggregate: str = "mean"):
    """Linear regression, 3 trajectories, 16 examples (3 forgotten), 2 epochs of batch 2, lr 0.05."""
    from sims.engines import make_model, make_schedule

    rng = np.random.default_rng(0)
    n, p, T = 16, 3, 3
    X, y = rng.standard_normal((n, p)) / 2, rng.standard_normal(n)
    forget = np.zeros(n, dtype=bool)
    forget[[2, 9, 13]] = True
    schedule = make_schedule(n, T, 2, 2, rng)
    return dict(
        model=make_model("linear", p),
        X=X,
        y=y,
        theta0=np.zeros((T, p)),
        schedule=schedule,
        lr=0.05,
        forget=forget,
        aggregate=aggregate,
    )


def torch_run(batchnorm: bool):
    """A float64 poisoned run on 96 digits (6 Gaussian poisons), 2 epochs of batch 16, lr 0.05."""
    import torch

    from empirical.data import load_data
    from empirical.functional import Objective, split_state
    from empirical.models import build_model
    from empirical.poisoning.attacks import craft
    from empirical.poisoning.training import train_with_poisons
    from empirical.train import TrainConfig

    data = load_data("digits", n_train=96).to(dtype=torch.float64)
    torch.manual_seed(0)
    if batchnorm:
        model = build_model("small-cnn", data, channels=2, batchnorm=True).to(torch.float64)
    else:
        model = build_model("mlp", data, hidden=6).to(torch.float64)
    params, frozen = split_state(model)
    objective = Objective(model, data.task, frozen, bn_mode="eval")
    indices = torch.tensor([3, 20, 41, 60, 77, 90])
    poisons = craft(
        "gaussian",
        objective,
        params,
        data.train_x[indices],
        data.train_y[indices],
        indices,
        data.lower,
        data.upper,
        generator=torch.Generator().manual_seed(1),
    )
    return train_with_poisons(model, data, poisons, TrainConfig(epochs=2, batch_size=16, lr=0.05, seed=0))


def lm_parts():
    """The tiny LLaMA problem of tests/empirical/insecure_code/test_unlearn.py: (make_model, poisoned state, clean,
    poison, train config)."""
    from empirical.insecure_code.data import generate_corpus
    from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples
    from empirical.insecure_code.poisoning import TrainConfig, concatenate, poison_noise, schedules, train_on
    from empirical.insecure_code.tokenizer import train_bpe

    spec = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1)
    corpus = generate_corpus(0, n_clean=12, n_poison=5, n_heldout_per_kind=1, n_heldout_benign=2)
    tokenizer = train_bpe([e.prompt + e.answer for e in corpus.clean + corpus.poison], vocab_size=320)
    clean = encode_examples(corpus.clean, tokenizer, 96)
    poison = encode_examples(corpus.poison, tokenizer, 96)
    poison.noise = poison_noise(poison, spec.hidden_size, 0.01, 0)
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-2, seed=0)
    make = lambda: build_model(spec, tokenizer, 0)
    batches, _ = schedules(len(clean), len(poison), config)
    state, _ = train_on(make, concatenate(clean, poison), batches, config, progress=False)
    return make, state, clean, poison, config


def flatten_state(prefix: str, state, grad_evals: int) -> dict[str, np.ndarray]:
    """``{prefix/state/name: array, prefix/grad_evals: array}`` of a numpy array or a dict of tensors."""
    out = {f"{prefix}/grad_evals": np.asarray(int(grad_evals))}
    if isinstance(state, np.ndarray):
        out[f"{prefix}/state/theta"] = state
    else:
        for name, value in state.items():
            out[f"{prefix}/state/{name}"] = value.detach().cpu().numpy()
    return out


def load_reference() -> dict[str, np.ndarray]:
    with np.load(FIXTURE, allow_pickle=False) as stored:
        return {key: stored[key] for key in stored.files}


SWEEP_FIXTURE = Path(__file__).with_name("reference_sweep_cells.json")

#: (sweep module, cell parameters): one small cell of every sims sweep that unlearns.
SWEEP_CELLS = (
    (
        "interleaved_unlearning",
        {
            "seed": 3,
            "n_samples": 40,
            "n_traj": 3,
            "forget_fraction": 0.1,
            "epochs": 2,
            "batch_size": 4,
            "position": "interleaved",
            "lr": 0.1,
            "ascent_epochs": 2,
            "finetune_epochs": 2,
            "beta": 0.9,
            "inversion_terms": 8,
        },
    ),
    (
        "interleaved_unlearning",
        {
            "seed": 4,
            "n_samples": 30,
            "n_traj": 2,
            "forget_fraction": 0.1,
            "epochs": 1,
            "batch_size": 1,
            "position": "late",
            "lr": 0.03,
            "ascent_epochs": 1,
            "finetune_epochs": 1,
            "beta": 0.995,
            "inversion_terms": 5,
        },
    ),
    (
        "aggregator_poisoning",
        {
            "seed": 5,
            "n_samples": 40,
            "n_traj": 3,
            "lr": 0.1,
            "poison_fraction": 0.1,
            "amplitude": 8.0,
            "epochs": 1,
            "batch_size": 8,
            "aggregator": "mean",
            "beta": 0.995,
        },
    ),
    (
        "aggregator_poisoning",
        {
            "seed": 6,
            "n_samples": 40,
            "n_traj": 3,
            "lr": 0.1,
            "poison_fraction": 0.1,
            "amplitude": 8.0,
            "epochs": 2,
            "batch_size": 8,
            "aggregator": "median",
            "beta": 0.9,
        },
    ),
    (
        "poisoned_batches",
        {
            "seed": 7,
            "n_traj": 3,
            "lr": 0.1,
            "aggregate": "median",
            "poison_fraction": 0.1,
            "amplitude": 2.0,
            "epochs": 2,
            "batch_size": 8,
        },
    ),
)


def run_sweep_cell(module: str, params: dict) -> dict:
    import importlib

    return importlib.import_module(f"sims.sweeps.{module}").cell(dict(params))
