"""The trainer: bitwise reproducible on the CPU, lowers the loss, checkpoints reload without training."""

from __future__ import annotations

import pytest
import torch

from empirical.data import load_data
from empirical.models import MLP
from empirical.train import TrainConfig, evaluate, train

CONFIG = TrainConfig(epochs=2, batch_size=64, lr=0.1, steps_per_epoch=6, seed=3)


def _fresh():
    torch.manual_seed(0)
    return MLP(64, 10, hidden=16)


def test_same_seed_same_weights_and_loss_decreases():
    data = load_data("digits")
    first, second = _fresh(), _fresh()
    before = evaluate(first, data)["test_loss"]
    snapshots, history = train(first, data, CONFIG, snapshot_epochs=[0, 1], progress=False)
    train(second, data, CONFIG, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert sorted(snapshots) == [0, 1, 2] and len(history) == 2
    assert history[-1]["test_loss"] < before
    assert not torch.equal(snapshots[0]["net.1.weight"], snapshots[2]["net.1.weight"])


def test_checkpoints_are_reloaded(tmp_path):
    data = load_data("digits")
    model = _fresh()
    snapshots, history = train(model, data, CONFIG, snapshot_epochs=[1], checkpoint_dir=tmp_path, progress=False)
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith(CONFIG.key())
    files = sorted(p.name for p in folder.glob("epoch_*.pt"))
    assert files == ["epoch_1.pt", "epoch_2.pt"]
    reloaded = _fresh()
    again, history_again = train(reloaded, data, CONFIG, snapshot_epochs=[1], checkpoint_dir=tmp_path, progress=False)
    assert history_again == history
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values()))
    # another architecture or other initial weights never pick up these checkpoints
    torch.manual_seed(1)
    other = MLP(64, 10, hidden=16)
    train(other, data, CONFIG, checkpoint_dir=tmp_path, progress=False)
    assert len(list(tmp_path.iterdir())) == 2


def test_bad_configuration():
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=-1)
    with pytest.raises(ValueError, match="snapshot"):
        train(_fresh(), load_data("digits"), CONFIG, snapshot_epochs=[5], progress=False)
