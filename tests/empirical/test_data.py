"""Data: CIFAR-10 pickles (generated), the missing-folder error, chat JSONL, digits and synthetic sets."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch

from empirical.data import ByteTokenizer, load_chat_jsonl, load_cifar10, load_data, write_fake_cifar10
from empirical.data.cifar import CIFAR10_MEAN, CIFAR10_STD


def test_cifar10_reads_the_python_batches(tmp_path):
    root = write_fake_cifar10(tmp_path / "cifar-10-batches-py", per_batch=4, seed=1)
    data = load_cifar10(root)
    assert data.train_x.shape == (20, 3, 32, 32) and data.test_x.shape == (4, 3, 32, 32)
    with (root / "data_batch_2").open("rb") as stream:
        raw = pickle.load(stream, encoding="bytes")
    image = np.asarray(raw[b"data"][1], dtype=np.float64).reshape(3, 32, 32) / 255.0
    expected = (image - np.array(CIFAR10_MEAN)[:, None, None]) / np.array(CIFAR10_STD)[:, None, None]
    assert np.abs(data.train_x[5].double().numpy() - expected).max() <= 1e-5  # float32 storage: 2^-24 * |x| <= 1e-6
    assert data.train_y[5] == raw[b"labels"][1]
    assert torch.all(data.train_x >= data.lower - 1e-6) and torch.all(data.train_x <= data.upper + 1e-6)


def test_cifar10_missing_folder_says_where_and_how(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz") as error:
        load_cifar10(tmp_path / "absent")
    assert "data_batch_1" in str(error.value) and "cifar-synthetic" in str(error.value)


def test_cifar10_rejects_a_corrupt_batch(tmp_path):
    root = write_fake_cifar10(tmp_path, per_batch=2)
    with (root / "test_batch").open("wb") as stream:
        pickle.dump({b"data": np.zeros((2, 100), dtype=np.uint8), b"labels": [0, 1]}, stream)
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        load_cifar10(root)


class _Planted:
    """A pickle that runs a shell command when loaded by plain pickle: it writes a marker file."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


class _PlantedEval(_Planted):
    def __reduce__(self):
        return eval, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize("planted", [_Planted, _PlantedEval])
@pytest.mark.parametrize("where", ["whole", "inside"])
def test_a_planted_pickle_runs_nothing_and_the_error_names_the_file(tmp_path, planted, where):
    root = write_fake_cifar10(tmp_path / "cifar", per_batch=2)
    marker = tmp_path / "ran"
    payload = planted(marker)
    batch = (
        payload
        if where == "whole"
        else {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1], b"filenames": [payload]}
    )
    (root / "data_batch_3").write_bytes(pickle.dumps(batch))
    with pytest.raises(ValueError) as error:
        load_cifar10(root)
    message = str(error.value)
    assert not marker.exists(), "code from the data folder ran"
    assert str(root / "data_batch_3") in message and "\n" not in message
    assert ("posix.system" in message or "os.system" in message) if planted is _Planted else "builtins.eval" in message
    pickle.loads(pickle.dumps(batch))  # the control: a plain pickle.load of the same bytes does run it
    assert marker.exists()


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
def test_the_restricted_reader_reads_every_protocol_of_a_valid_batch(tmp_path, protocol):
    from empirical.data.restricted_pickle import load_restricted

    rng = np.random.default_rng(protocol)
    batch = {
        b"batch_label": b"training batch 1 of 5",
        b"labels": rng.integers(0, 10, 3).tolist(),
        b"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8),
        b"filenames": [b"a.png", b"b.png", b"c.png"],
        b"meta": ("text", 1.5, None, True, [-(2**70)]),
    }
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    read = load_restricted(path, "a CIFAR-10 python batch", "re-extract it")
    assert read.keys() == batch.keys() and np.array_equal(read[b"data"], batch[b"data"])
    assert read[b"data"].dtype == np.uint8 and read[b"labels"] == batch[b"labels"] and read[b"meta"] == batch[b"meta"]


def test_only_latin1_bytes_are_spelled_through_codecs(tmp_path):
    from empirical.data.restricted_pickle import UnsafePickleError, load_restricted

    path = tmp_path / "batch"
    path.write_bytes(b"c_codecs\nencode\n(Vx\nVrot13\ntR.")
    with pytest.raises(UnsafePickleError, match="rot13"):
        load_restricted(path, "a CIFAR-10 python batch", "re-extract it")
    path.write_bytes(b"c_codecs\nencode\n(Vx\nVlatin1\ntR.")
    assert load_restricted(path, "a CIFAR-10 python batch", "re-extract it") == b"x"


def test_chat_jsonl_masks_everything_but_the_answers(tmp_path):
    path = tmp_path / "chat.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]}
        for i in range(5)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    data = load_chat_jsonl(path, max_length=48, test_fraction=0.2)
    assert data.task == "causal_lm" and data.num_classes == ByteTokenizer.vocab_size
    assert data.train_x.shape == (4, 48) and data.test_x.shape == (1, 48)
    ids, labels = data.train_x[0].tolist(), data.train_y[0].tolist()
    text = bytes(t for t, l in zip(ids, labels) if l != -100).decode()
    assert text == "<|assistant|>\nanswer 1\n"
    assert all(l == -100 or l == t for t, l in zip(ids, labels))


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        ('{"rows": []}', '"messages" list'),
        ('{"messages": [{"role": "robot", "content": "x"}]}', "role"),
    ],
)
def test_chat_jsonl_bad_lines(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
        + "\n"
        + line
        + "\n"
    )
    with pytest.raises(ValueError, match=message):
        load_chat_jsonl(path)
    with pytest.raises(FileNotFoundError, match="messages"):
        load_chat_jsonl(tmp_path / "absent.jsonl")


def test_embedded_and_synthetic_sets():
    digits = load_data("digits")
    assert digits.train_x.shape == (1500, 1, 8, 8) and digits.test_x.shape == (297, 1, 8, 8)
    assert float(digits.train_x.min()) >= 0 and float(digits.train_x.max()) <= 1
    synthetic = load_data("cifar-synthetic", n_train=20, n_test=5)
    assert synthetic.train_x.shape == (20, 3, 32, 32)
    assert torch.all(synthetic.train_x.abs() <= synthetic.upper)
    regression = load_data("regression", dim=5, n_train=10, n_test=3)
    assert regression.train_x.dtype == torch.float64 and regression.task == "regression"
    with pytest.raises(ValueError, match="data must be one of"):
        load_data("imagenet")
    with pytest.raises(ValueError, match="path"):
        load_data("chat")
