"""The bad-input corpus: one case per class of bad input to the command lines and the Python API.

Each case feeds one bad input and states what a clear answer is:

* a command line exits with status 2 and prints exactly one line on stderr, ``error: ...`` naming what was
  wrong (the ``needle``), and no traceback;
* a Python function raises the stated exception type (``ValueError`` / ``FileNotFoundError``) whose message
  names what was wrong;
* a recoverable fault (a corrupt cell file or checkpoint) is reported by name and the run still succeeds.

Anything else is classified ``traceback`` (an unexpected exception escaped), ``silent`` (no error: a wrong
result went through) or ``hang`` (no answer within the case's time limit). ``python -m tests.test_bad_inputs``
prints the table tried / clear / traceback / silent / hang; pytest asserts every case is ``clear``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_TINY_INVERSION = [
    "--set",
    "lr_Ls=0.5",
    "--set",
    "terms_list=3",
    "--set",
    "batch_sizes=1",
    "--set",
    "n_points=4",
    "--set",
    "models=linear",
    "--set",
    "seeds=1",
    "--jobs",
    "1",
    "--no-progress",
]
_TINY_LINEAR = [
    "--model",
    "linear",
    "--data",
    "regression",
    "--set",
    "data.dim=4",
    "--set",
    "data.n_train=16",
    "--set",
    "data.n_test=4",
]


@dataclass
class Outcome:
    verdict: str  # clear / traceback / silent / hang / unclear
    detail: str


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    def handler(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _call_cli(main: Callable, argv: list[str], seconds: int) -> tuple[object, str, str]:
    """(exit status or the escaped exception, stdout, stderr) of ``main(argv)`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with _time_limit(seconds):
                status: object = main(argv)
        except SystemExit as exit_:
            status = exit_.code
        except _Timeout:
            status = "hang"
        except Exception as error:
            status = error
    return status, out.getvalue(), err.getvalue()


def _cli_error(main: Callable, argv: list[str], needle: str, seconds: int = 120) -> Outcome:
    status, _, err = _call_cli(main, argv, seconds)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if status == "hang":
        return Outcome("hang", f"no answer in {seconds} s")
    if isinstance(status, BaseException) or "Traceback" in err:
        return Outcome("traceback", f"{type(status).__name__}: {status}"[:200])
    if status in (0, None):
        return Outcome("silent", "exit 0")
    if status == 2 and len(lines) == 1 and lines[0].startswith("error:") and needle.lower() in lines[0].lower():
        return Outcome("clear", lines[0][:200])
    return Outcome("unclear", f"exit {status}: {err.strip()[:200]!r}")


def _cli_recovers(main: Callable, argv: list[str], needle: str, seconds: int = 120) -> Outcome:
    """A recoverable fault: exit 0, and stderr names the fault (``needle``)."""
    status, _, err = _call_cli(main, argv, seconds)
    if status == "hang":
        return Outcome("hang", f"no answer in {seconds} s")
    if isinstance(status, BaseException) or "Traceback" in err:
        return Outcome("traceback", f"{type(status).__name__}: {status}"[:200])
    if status not in (0, None):
        return Outcome("unclear", f"exit {status}: {err.strip()[:200]!r}")
    if needle.lower() not in err.lower():
        return Outcome("silent", "exit 0 without naming the fault")
    return Outcome("clear", err.strip().splitlines()[0][:200])


def _api_error(function: Callable[[], object], kind: type, needle: str, seconds: int = 60) -> Outcome:
    try:
        with _time_limit(seconds):
            function()
    except _Timeout:
        return Outcome("hang", f"no answer in {seconds} s")
    except kind as error:
        text = str(error)
        if needle.lower() in text.lower() and "\n" not in text.strip():
            return Outcome("clear", text[:200])
        return Outcome("unclear", f"{type(error).__name__}: {text[:200]}")
    except Exception as error:
        return Outcome("traceback", f"{type(error).__name__}: {error}"[:200])
    return Outcome("silent", "no exception")


# ----------------------------------------------------------------------------------------------- the cases
def _sims(argv):
    from sims.cli import main

    return main, argv


def _emp(argv):
    from empirical.cli import main

    return main, argv


def _run_sims(tmp: Path, *extra: str) -> tuple[Callable, list[str]]:
    return _sims(["run", "inversion", *_TINY_INVERSION, "--out", str(tmp / "out"), *extra])


def case_sims_unknown_set(tmp):
    return _cli_error(*_run_sims(tmp, "--set", "bogus=1"), "bogus")


def case_sims_set_inf(tmp):
    return _cli_error(
        *_sims(["run", "order-dependence", "--set", "noise=inf", "--out", str(tmp), "--no-progress"]), "noise"
    )


def case_sims_set_nan(tmp):
    return _cli_error(
        *_sims(["run", "order-dependence", "--set", "noise=nan", "--out", str(tmp), "--no-progress"]), "noise"
    )


def case_sims_out_is_file(tmp):
    (tmp / "afile").write_text("x")
    return _cli_error(*_sims(["run", "inversion", *_TINY_INVERSION, "--out", str(tmp / "afile")]), "afile")


def case_sims_jobs_zero(tmp):
    return _cli_error(*_run_sims(tmp, "--jobs", "0"), "jobs")


def case_sims_rerun_other_parameters(tmp):
    main, argv = _run_sims(tmp)
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    return _cli_error(main, argv + ["--set", "n_points=5"], "n_points")


def case_sims_corrupt_cell(tmp):
    main, argv = _run_sims(tmp)
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    cell = sorted((tmp / "out" / "inversion" / "cells").glob("*.json"))[0]
    cell.write_text('{"half": ')
    outcome = _cli_recovers(main, argv, cell.name)
    if outcome.verdict == "clear" and not json.loads(cell.read_text()).get("git_commit"):
        return Outcome("silent", "the corrupt cell was not recomputed")
    return outcome


def case_sims_plot_empty_table(tmp):
    (tmp / "inversion").mkdir()
    (tmp / "inversion" / "results.csv").write_text("model,seed\n")
    return _cli_error(*_sims(["plot", "inversion", "--out", str(tmp), "--figures", str(tmp / "f")]), "results.csv")


def case_sims_plot_foreign_table(tmp):
    (tmp / "inversion").mkdir()
    (tmp / "inversion" / "results.csv").write_text("name,value\na,1\nb,2\n")
    return _cli_error(*_sims(["plot", "inversion", "--out", str(tmp), "--figures", str(tmp / "f")]), "results.csv")


def case_sims_dask_unreachable(tmp):
    return _cli_error(*_run_sims(tmp, "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9"), "scheduler", seconds=90)


def case_sims_memory_budget(tmp):
    return _cli_error(
        *_sims(
            [
                "run",
                "order-dependence",
                "--set",
                "n_perms=1000000000",
                "--out",
                str(tmp),
                "--jobs",
                "1",
                "--no-progress",
            ]
        ),
        "memory",
    )


def case_sims_scheduler_without_dask(tmp):
    return _cli_error(*_run_sims(tmp, "--scheduler", "tcp://127.0.0.1:9"), "dask")


def case_api_run_sgd_negative_index(tmp):
    from sims.engines import Schedule, make_model, run_sgd

    model = make_model("linear", 3)
    X, y = np.ones((5, 3)), np.ones(5)
    schedule = Schedule.from_indices(np.array([[[-1]]]))
    return _api_error(lambda: run_sgd(model, X, y, np.zeros((1, 3)), schedule, 0.1), ValueError, "indices")


def case_api_run_sgd_index_too_large(tmp):
    from sims.engines import Schedule, make_model, run_sgd

    model = make_model("linear", 3)
    schedule = Schedule.from_indices(np.array([[[5]]]))
    return _api_error(
        lambda: run_sgd(model, np.ones((5, 3)), np.ones(5), np.zeros((1, 3)), schedule, 0.1), ValueError, "indices"
    )


def case_api_run_sgd_nan_in_X(tmp):
    from sims.engines import make_model, make_schedule, run_sgd

    model = make_model("linear", 3)
    X = np.ones((5, 3))
    X[2, 1] = np.nan
    schedule = make_schedule(5, 1, 1, 1, np.random.default_rng(0))
    return _api_error(lambda: run_sgd(model, X, np.ones(5), np.zeros((1, 3)), schedule, 0.1), ValueError, "X")


def case_api_make_schedule_batch_larger_than_data(tmp):
    from sims.engines import make_schedule

    return _api_error(lambda: make_schedule(5, 1, 1, 50, np.random.default_rng(0)), ValueError, "batch_size")


def case_api_complex_theta(tmp):
    from theory.models.linear_regression import gradient

    return _api_error(lambda: gradient(np.array([1 + 2j, 0.0]), [1.0, 0.0], 1.0), ValueError, "theta")


def case_api_neumann_huge_terms(tmp):
    from theory.models.linear_regression import neumann_inverse

    return _api_error(
        lambda: neumann_inverse([0.1, 0.2], [0.3, 0.1], 1.0, 0.1, terms=10**9), ValueError, "terms", seconds=20
    )


def case_api_schedule_memory(tmp):
    from sims.engines import make_schedule

    return _api_error(lambda: make_schedule(100, 10**9, 100, 1, np.random.default_rng(0)), ValueError, "memory")


def case_api_corrupt_cell_read(tmp):
    from sims.results import ResultStore

    store = ResultStore(tmp, "exp")
    store.write_cell({"a": 1, "seed": 0}, {"m": 2.0}, seed=0)
    path = next((tmp / "exp" / "cells").glob("*.json"))
    path.write_text("[1, 2")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            done = store.is_done({"a": 1, "seed": 0})
            rows = store.rows()
        except Exception as error:
            return Outcome("traceback", f"{type(error).__name__}: {error}"[:200])
    if done or rows or path.name not in err.getvalue():
        return Outcome("silent", f"done={done}, rows={len(rows)}, stderr={err.getvalue()[:100]!r}")
    return Outcome("clear", err.getvalue().strip()[:200])


def case_api_result_files_readable(tmp):
    from sims.results import ResultStore

    path = ResultStore(tmp, "exp").write_cell({"a": 1}, {"m": 2.0}, seed=0)
    mode = path.stat().st_mode & 0o777
    return Outcome("clear" if mode & 0o044 == 0o044 else "silent", f"mode {oct(mode)}")


def _run_emp(tmp: Path, *extra: str, check: str = "ascent-error") -> tuple[Callable, list[str]]:
    return _emp(
        ["run", check, *_TINY_LINEAR, "--set", "n_points=1", "--set", "n_lrs=3", "--out", str(tmp / "out"), *extra]
    )


def case_emp_train_typo(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "train.epoch=2"), "epoch")


def case_emp_model_typo(tmp):
    return _cli_error(
        *_emp(
            ["run", "ascent-error", "--model", "mlp", "--data", "digits", "--set", "model.widht=4", "--out", str(tmp)]
        ),
        "widht",
    )


def case_emp_data_typo(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "data.nosuch=1"), "nosuch")


def case_emp_setting_nan(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "lr_min=nan"), "lr_min")


def case_emp_n_points_zero(tmp):
    return _cli_error(
        *_emp(["run", "ascent-error", *_TINY_LINEAR, "--set", "n_points=0", "--out", str(tmp)]), "n_points"
    )


def case_emp_device_cuda_missing(tmp):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return _cli_error(*_run_emp(tmp, "--device", "cuda"), "cuda")


def case_emp_out_is_file(tmp):
    (tmp / "afile").write_text("x")
    return _cli_error(
        *_emp(
            [
                "run",
                "ascent-error",
                *_TINY_LINEAR,
                "--set",
                "n_points=1",
                "--set",
                "n_lrs=3",
                "--out",
                str(tmp / "afile"),
            ]
        ),
        "afile",
    )


def _cifar_folder(tmp: Path) -> Path:
    from empirical.data import write_fake_cifar10

    return write_fake_cifar10(tmp / "cifar", per_batch=4)


def _run_cifar(tmp: Path, folder: Path):
    return _emp(
        [
            "run",
            "ascent-error",
            "--model",
            "mlp",
            "--data",
            "cifar10",
            "--set",
            f"data.root={folder}",
            "--set",
            "n_points=1",
            "--set",
            "n_lrs=3",
            "--out",
            str(tmp / "out"),
        ]
    )


def case_emp_cifar_truncated(tmp):
    folder = _cifar_folder(tmp)
    data = (folder / "data_batch_2").read_bytes()
    (folder / "data_batch_2").write_bytes(data[: len(data) // 2])
    return _cli_error(*_run_cifar(tmp, folder), "data_batch_2")


def case_emp_cifar_not_dict(tmp):
    folder = _cifar_folder(tmp)
    (folder / "test_batch").write_bytes(pickle.dumps([1, 2, 3]))
    return _cli_error(*_run_cifar(tmp, folder), "test_batch")


def case_emp_cifar_label_99(tmp):
    folder = _cifar_folder(tmp)
    with (folder / "data_batch_1").open("rb") as stream:
        batch = pickle.load(stream, encoding="bytes")
    batch[b"labels"][0] = 99
    (folder / "data_batch_1").write_bytes(pickle.dumps(batch))
    return _cli_error(*_run_cifar(tmp, folder), "99")


class _Planted:
    """A pickle that, loaded by plain ``pickle.load`` / ``torch.load``, runs a shell command creating ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def case_emp_cifar_planted_pickle(tmp):
    folder = _cifar_folder(tmp)
    (folder / "data_batch_4").write_bytes(pickle.dumps(_Planted(tmp / "ran")))
    outcome = _cli_error(*_run_cifar(tmp, folder), "data_batch_4")
    return Outcome("silent", "the planted pickle ran") if (tmp / "ran").exists() else outcome


def case_emp_planted_checkpoint(tmp):
    import torch

    main, argv = _run_emp(tmp, "--set", "train.epochs=1", "--set", "train.batch_size=8")
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    checkpoint = sorted((tmp / "out" / "checkpoints").rglob("epoch_1.pt"))[0]
    torch.save(_Planted(tmp / "ran"), checkpoint)
    outcome = _cli_recovers(main, argv, checkpoint.name)
    return Outcome("silent", "the planted checkpoint ran") if (tmp / "ran").exists() else outcome


def _llama_run(tmp: Path, folder: Path):
    return _emp(
        [
            "run",
            "ascent-error",
            "--model",
            "llama",
            "--data",
            "tokens",
            "--set",
            f"model.path={folder}",
            "--set",
            "n_points=1",
            "--set",
            "n_lrs=3",
            "--out",
            str(tmp / "out"),
        ]
    )


def case_emp_llama_garbage_config(tmp):
    folder = tmp / "llama"
    folder.mkdir()
    (folder / "config.json").write_text("this is not json")
    return _cli_error(*_llama_run(tmp, folder), "config.json")


def case_emp_llama_garbage_safetensors(tmp):
    from empirical.models import llama_config

    folder = tmp / "llama"
    folder.mkdir()
    llama_config("tiny").save_pretrained(folder)
    (folder / "model.safetensors").write_bytes(b"\x00garbage" * 20)
    return _cli_error(*_llama_run(tmp, folder), "model.safetensors")


def _run_chat(tmp: Path, path: Path):
    """ascent-error on the tiny LLaMA with the chat file ``path`` (the chat-data cases)."""
    argv = ["run", "ascent-error", "--model", "llama", "--data", "chat", "--set", f"data.path={path}"]
    return _emp([*argv, "--set", "n_points=1", "--set", "n_lrs=3", "--out", str(tmp / "out")])


def case_emp_chat_no_assistant(tmp):
    path = tmp / "chat.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "hello"}]})
    path.write_text("\n".join([line] * 4) + "\n")
    return _cli_error(
        *_run_chat(tmp, path),
        "assistant",
    )


def case_emp_train_batch_larger_than_data(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "train.epochs=1", "--set", "train.batch_size=100000"), "batch_size")


def case_emp_train_epochs_nan(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "train.epochs=NaN"), "epochs")


def case_emp_threads_negative(tmp):
    return _cli_error(*_run_emp(tmp, "--threads", "-1"), "threads")


def case_emp_data_memory_budget(tmp):
    return _cli_error(
        *_emp(
            [
                "run",
                "ascent-error",
                "--model",
                "linear",
                "--data",
                "regression",
                "--set",
                "data.n_train=100000000000",
                "--out",
                str(tmp),
            ]
        ),
        "memory",
    )


def case_emp_rerun_other_settings(tmp):
    main, argv = _run_emp(tmp)
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    return _cli_error(main, argv + ["--set", "lr_max=1.0"], "lr_max")


def case_emp_corrupt_checkpoint(tmp):
    main, argv = _run_emp(tmp, "--set", "train.epochs=1", "--set", "train.batch_size=8")
    if _call_cli(main, argv, 120)[0] != 0:
        return Outcome("traceback", "first run failed")
    checkpoint = sorted((tmp / "out" / "checkpoints").rglob("epoch_1.pt"))[0]
    checkpoint.write_bytes(b"half a checkpoint")
    return _cli_recovers(main, argv, checkpoint.name)


def case_emp_plot_default_not_in_docs(tmp):
    main, argv = _run_emp(tmp, "--plot")
    status, out, _ = _call_cli(main, argv, 120)
    if status != 0:
        return Outcome("traceback", f"exit {status}")
    figures = [line for line in out.splitlines() if line.startswith("figure:")]
    inside = all(str(tmp / "out") in line for line in figures) and figures
    return Outcome("clear" if inside else "silent", "; ".join(figures)[:200])


def case_api_prepare_cuda_missing(tmp):
    import torch

    from empirical.setup import prepare

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return _api_error(lambda: prepare("linear", "regression", device="cuda", progress=False), ValueError, "cuda")


def case_api_cifar_label_99(tmp):
    from empirical.data import load_cifar10

    folder = _cifar_folder(tmp)
    with (folder / "test_batch").open("rb") as stream:
        batch = pickle.load(stream, encoding="bytes")
    batch[b"labels"][1] = 99
    (folder / "test_batch").write_bytes(pickle.dumps(batch))
    return _api_error(lambda: load_cifar10(folder), ValueError, "99")


def case_api_chat_no_assistant(tmp):
    from empirical.data import load_chat_jsonl

    path = tmp / "chat.jsonl"
    path.write_text("\n".join([json.dumps({"messages": [{"role": "user", "content": "hi"}]})] * 3))
    return _api_error(lambda: load_chat_jsonl(path), ValueError, "assistant")


def case_api_train_batch_larger_than_data(tmp):
    from empirical.data import regression
    from empirical.models import LinearModel
    from empirical.train import TrainConfig, train

    data = regression(n_train=8, n_test=4, dim=3)
    return _api_error(
        lambda: train(LinearModel(3).double(), data, TrainConfig(batch_size=64), progress=False),
        ValueError,
        "batch_size",
    )


def case_sims_unknown_sweep(tmp):
    return _cli_error(*_sims(["run", "nosuch", "--out", str(tmp)]), "nosuch")


def case_sims_jobs_not_integer(tmp):
    return _cli_error(*_run_sims(tmp, "--jobs", "two"), "jobs")


def case_sims_plot_unknown_sweep(tmp):
    return _cli_error(*_sims(["plot", "nosuch", "--out", str(tmp)]), "nosuch")


def case_sims_plot_binary_table(tmp):
    (tmp / "inversion").mkdir()
    (tmp / "inversion" / "results.csv").write_bytes(bytes(range(256)) * 4)
    return _cli_error(*_sims(["plot", "inversion", "--out", str(tmp), "--figures", str(tmp / "f")]), "results.csv")


def case_emp_unknown_check(tmp):
    return _cli_error(*_emp(["run", "nosuch", *_TINY_LINEAR, "--out", str(tmp)]), "nosuch")


def case_emp_unknown_model(tmp):
    return _cli_error(*_emp(["run", "ascent-error", "--model", "vgg", "--data", "digits", "--out", str(tmp)]), "vgg")


def case_emp_bad_dtype(tmp):
    return _cli_error(*_run_emp(tmp, "--dtype", "float16"), "dtype")


def case_emp_unknown_device(tmp):
    return _cli_error(*_run_emp(tmp, "--device", "tpu"), "tpu")


def case_emp_setting_not_a_number(tmp):
    return _cli_error(*_run_emp(tmp, "--set", "lr_max=big"), "lr_max")


def case_emp_cifar_missing_folder(tmp):
    return _cli_error(*_run_cifar(tmp, tmp / "nowhere"), "nowhere")


def case_emp_chat_invalid_json_line(tmp):
    path = tmp / "chat.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
    path.write_text(f"{good}\n{good}\n{{broken\n")
    return _cli_error(
        *_run_chat(tmp, path),
        "chat.jsonl:3",
    )


def case_emp_plot_without_results(tmp):
    return _cli_error(*_emp(["plot", "ascent-error", "--out", str(tmp)]), "ascent-error")


def case_gpu_check_cuda_missing(tmp):
    import torch

    from empirical.gpu_check import main

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return _cli_error(main, ["--tiny", "--device", "cuda", "--out", str(tmp)], "cuda")


def case_api_load_frame_foreign(tmp):
    from sims.plotting import load_frame

    (tmp / "order-dependence").mkdir()
    (tmp / "order-dependence" / "results.csv").write_text("x,y\n1,2\n")
    return _api_error(lambda: load_frame(tmp, "order-dependence"), ValueError, "results.csv")


def case_api_theta_nan(tmp):
    from theory.models.linear_regression import descent_step

    return _api_error(lambda: descent_step([np.nan, 1.0], [1.0, 0.0], 1.0, 0.1), ValueError, "theta")


# ----------------------------------------------------------------------------- issue 20: options, budgets, sizes
@contextlib.contextmanager
def _memory_budget(value: str):
    previous = os.environ.get("NONCOMMUTE_MEMORY_BUDGET")
    os.environ["NONCOMMUTE_MEMORY_BUDGET"] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("NONCOMMUTE_MEMORY_BUDGET", None)
        else:
            os.environ["NONCOMMUTE_MEMORY_BUDGET"] = previous


def _run_poison(tmp: Path, *settings: str):
    return _emp(
        [
            "run",
            "poison-unlearning",
            "--model",
            "mlp",
            "--data",
            "digits",
            "--set",
            "attacks=gaussian",
            "--set",
            "methods=finetune",
            "--set",
            "epochs=1",
            "--out",
            str(tmp / "out"),
            *[item for setting in settings for item in ("--set", setting)],
        ]
    )


def case_emp_poison_eps_negative(tmp):
    return _cli_error(*_run_poison(tmp, "eps=-1"), "eps=-1")


def case_emp_poison_epochs_zero(tmp):
    return _cli_error(*_run_poison(tmp, "epochs=0"), "epochs=0")


def case_emp_poison_one_shadow(tmp):
    return _cli_error(*_run_poison(tmp, "n_shadow=1"), "n_shadow=1")


def case_emp_poison_batch_larger_than_data(tmp):
    return _cli_error(*_run_poison(tmp, "batch_size=100000"), "batch_size=100000")


def case_emp_poison_memory_budget(tmp):
    with _memory_budget("1K"):
        return _cli_error(*_run_poison(tmp), "memory")


def case_emp_poison_models_memory_budget(tmp):
    with _memory_budget("2400K"):  # the digits fit (2.2 MiB), 45 copies of the model do not
        return _cli_error(*_run_poison(tmp, "n_shadow=40"), "poisoning runs")


def case_emp_aggregation_n_train_above_data(tmp):
    return _cli_error(
        *_emp(
            ["run", "aggregation", "--model", "mlp", "--data", "digits", "--set", "n_train=100000", "--out", str(tmp)]
        ),
        "n_train=100000",
    )


def case_emp_aggregation_epochs_zero(tmp):
    return _cli_error(
        *_emp(["run", "aggregation", "--model", "mlp", "--data", "digits", "--set", "epochs=0", "--out", str(tmp)]),
        "epochs=0",
    )


def case_api_aggregation_small_batches(tmp):
    """Valid input that crashed (n_train=64, batch_size=4): 4 flips in batches of 3 leave a last ascent batch of
    one reversed index, whose negative stride torch refused."""
    from empirical.checks import CHECKS, resolve_settings
    from empirical.setup import prepare

    setup = prepare("mlp", "digits", progress=False)
    settings = resolve_settings(
        CHECKS["aggregation"], {"n_train": "20", "batch_size": "3", "epochs": "1", "aggregators": "mean"}
    )
    try:
        rows = CHECKS["aggregation"].run(setup, settings)
    except Exception as error:
        return Outcome("traceback", f"{type(error).__name__}: {error}"[:200])
    return Outcome("clear" if rows else "silent", f"{len(rows)} rows")


def _insecure(argv):
    from empirical.insecure_code.experiment import main

    return main, argv


def case_emp_insecure_lora_rank_negative(tmp):
    return _cli_error(*_insecure(["--preset", "tiny", "--lora-rank", "-1", "--out", str(tmp)]), "--lora-rank -1")


def case_emp_insecure_batch_larger_than_data(tmp):
    return _cli_error(*_insecure(["--preset", "tiny", "--batch-size", "1000", "--out", str(tmp)]), "--batch-size 1000")


def case_emp_insecure_lifted_points_above_poisons(tmp):  # were cut to the poisons silently
    return _cli_error(
        *_insecure(["--preset", "tiny", "--lifted-points", "100", "--out", str(tmp)]), "--lifted-points 100"
    )


def case_emp_insecure_lr_nan(tmp):
    return _cli_error(*_insecure(["--preset", "tiny", "--lr", "nan", "--out", str(tmp)]), "--lr nan")


def case_emp_insecure_tune_factors_not_numbers(tmp):
    return _cli_error(
        *_insecure(["--preset", "tiny", "--tune-lr-factors", "1,big", "--out", str(tmp)]), "--tune-lr-factors 1,big"
    )


def case_emp_insecure_tune_factor_zero(tmp):
    return _cli_error(
        *_insecure(["--preset", "tiny", "--tune-lr-factors", "1,0", "--out", str(tmp)]), "--tune-lr-factors 1,0"
    )


def case_emp_insecure_tuning_without_validation_split(tmp):
    argv = ["--preset", "tiny", "--tune-lr-factors", "1,2", "--n-validation-per-kind", "0", "--out", str(tmp)]
    return _cli_error(*_insecure(argv), "validation split")


def case_emp_insecure_utility_tolerance_negative(tmp):
    return _cli_error(
        *_insecure(["--preset", "tiny", "--utility-tolerance", "-0.1", "--out", str(tmp)]), "--utility-tolerance -0.1"
    )


def case_emp_insecure_seeds_zero(tmp):
    return _cli_error(*_insecure(["--preset", "tiny", "--seeds", "0", "--out", str(tmp)]), "--seeds 0")


def case_sims_data_memory_budget(tmp):
    with _memory_budget("1K"):
        return _cli_error(
            *_sims(["run", "order-dependence", "--out", str(tmp), "--jobs", "1", "--no-progress"]), "synthetic data"
        )


def case_sims_streaming_memory_budget(tmp):
    with _memory_budget("1K"):
        return _cli_error(
            *_sims(["run", "streaming-median", "--out", str(tmp), "--jobs", "1", "--no-progress"]), "memory"
        )


def case_sims_aggregator_memory_budget(tmp):
    with _memory_budget("1K"):
        return _cli_error(
            *_sims(["run", "aggregator-efficiency", "--out", str(tmp), "--jobs", "1", "--no-progress"]), "memory"
        )


def case_theory_annotate_draft_too_large(tmp):
    from theory.cli import main

    draft = tmp / "draft.md"
    with draft.open("wb") as stream:  # 6 MiB, over the default limit of 5 MiB
        stream.write(b"# Big\n\n" + b"Words $x$ here.\n\n" * (6 * 2**20 // 17))
    return _cli_error(
        main, ["annotate", str(draft), "--out", str(tmp / "out"), "--no-record", "--no-progress"], "--max-size"
    )


def case_api_cite_check_reads_what_latex_reads(tmp):
    """\\input file and \\import followed; verbatim and \\iffalse not read (false alarms before)."""
    from theory.paper.cite_check import read_paper

    (tmp / "sub").mkdir()
    (tmp / "main.tex").write_text(
        "\\input part\n\\import{sub/}{more}\n\\iffalse\\ref{lem:no}\\fi\n"
        "\\begin{verbatim}\\ref{lem:no}\\end{verbatim}\n"
    )
    (tmp / "part.tex").write_text("\\ref{lem:yes-input}\n")
    (tmp / "sub" / "more.tex").write_text("\\ref{lem:yes-import}\n")
    cited = [citation.lemma_id for citation in read_paper(tmp / "main.tex").citations]
    return Outcome("clear" if cited == ["yes-input", "yes-import"] else "silent", f"cited {cited}")


def _small_objective():
    from empirical.setup import prepare

    setup = prepare("linear", "regression", data_options={"dim": 4, "n_train": 8, "n_test": 4}, progress=False)
    objective, params = setup.objective()
    return objective, params, (setup.data.train_x[:4], setup.data.train_y[:4])


def case_api_lanczos_operator_of_size_one(tmp):  # was scipy TypeError (k >= N)
    from scipy.sparse.linalg import aslinearoperator

    from empirical.spectrum import top_eigenvalue_lanczos

    value, _ = top_eigenvalue_lanczos(aslinearoperator(np.full((1, 1), 3.0)))
    return Outcome("clear" if value == 3.0 else "silent", f"value {value}")


def case_api_lanczos_ncv_above_size(tmp):  # was accepted silently
    from scipy.sparse.linalg import aslinearoperator

    from empirical.spectrum import top_eigenvalue_lanczos

    return _api_error(lambda: top_eigenvalue_lanczos(aslinearoperator(np.eye(6)), ncv=100), ValueError, "ncv=100")


def case_api_eigenvalues_of_a_nan_operator(tmp):  # was ArpackError -9999
    from scipy.sparse.linalg import aslinearoperator

    from empirical.spectrum import extreme_eigenvalues

    return _api_error(lambda: extreme_eigenvalues(aslinearoperator(np.full((5, 5), np.nan))), ValueError, "NaN")


def case_api_eigenvalues_of_an_empty_operator(tmp):  # was "need at least one array to concatenate"
    from scipy.sparse.linalg import aslinearoperator

    from empirical.spectrum import extreme_eigenvalues

    return _api_error(lambda: extreme_eigenvalues(aslinearoperator(np.ones((0, 0)))), ValueError, "(0, 0)")


def case_api_hvp_empty_batch(tmp):  # was RuntimeError "neither reverse-over-reverse nor forward-over-reverse"
    from empirical.hvp import HessianVectorProduct

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(lambda: HessianVectorProduct(objective, params, (inputs[:0], targets[:0])), ValueError, "(0, 4)")


def case_api_hvp_mismatched_batch(tmp):  # was RuntimeError
    from empirical.hvp import HessianVectorProduct

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(
        lambda: HessianVectorProduct(objective, params, (inputs[:3], targets[:2])), ValueError, "(3, 4) and (2,)"
    )


def case_api_hvp_vector_missing_keys(tmp):  # was KeyError
    from empirical.hvp import HessianVectorProduct

    objective, params, batch = _small_objective()
    return _api_error(lambda: HessianVectorProduct(objective, params, batch)({}), ValueError, "lacks parameter")


def case_api_dense_hessian_wrong_feature_size(tmp):  # was RuntimeError "mat1 and mat2 shapes"
    from empirical.hvp import dense_hessian

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(lambda: dense_hessian(objective, params, (inputs[:, :2], targets)), ValueError, "(4, 2)")


def case_api_step_jacobian_empty_batch(tmp):  # was RuntimeError "cannot reshape tensor of 0 elements"
    from empirical.hvp import step_jacobian

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(lambda: step_jacobian(objective, params, (inputs[:0], targets[:0]), 0.1), ValueError, "(0, 4)")


def case_api_per_example_wrong_feature_size(tmp):  # was RuntimeError from vmap
    from empirical.per_example import per_example_gradients

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(lambda: per_example_gradients(objective, params, inputs[:, :2], targets), ValueError, "(4, 2)")


def case_api_per_example_scalar_targets(tmp):  # was IndexError
    from empirical.per_example import per_example_gradients

    objective, params, (inputs, targets) = _small_objective()
    return _api_error(lambda: per_example_gradients(objective, params, inputs[0], targets[0]), ValueError, "()")


def case_api_aggregate_list(tmp):  # was AttributeError
    from theory.models.aggregation import aggregate

    return _api_error(lambda: aggregate([[1.0, 2.0], [3.0, 4.0]], "mean"), ValueError, "list")


def case_api_aggregate_objects(tmp):  # was mpmath TypeError
    from theory.models.aggregation import aggregate

    return _api_error(lambda: aggregate(np.array([[None, 1.0]]), "median"), ValueError, "NoneType")


def case_api_aggregate_complex(tmp):  # was accepted silently
    from theory.models.aggregation import aggregate

    return _api_error(lambda: aggregate(np.ones((3, 2)) * 1j, "median"), ValueError, "complex")


CASES: dict[str, Callable[[Path], Outcome]] = {
    name[len("case_") :]: function for name, function in sorted(globals().items()) if name.startswith("case_")
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_answer(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = CASES[name](tmp_path)
    assert outcome.verdict == "clear", f"{name}: {outcome.verdict}: {outcome.detail}"


def table(
    names: list[str] | None = None, cases: dict[str, Callable[[Path], Outcome]] | None = None
) -> dict[str, list[str]]:
    """Run a corpus (``cases``, default this module's) and return {verdict: [case names]} (the closing note's table)."""
    cases = CASES if cases is None else cases
    verdicts: dict[str, list[str]] = {}
    for name in names or list(cases):
        with tempfile.TemporaryDirectory() as folder:
            cwd = os.getcwd()
            os.chdir(folder)
            try:
                outcome = cases[name](Path(folder))
            except BaseException as error:
                outcome = Outcome("skipped" if "Skipped" in type(error).__name__ else "traceback", str(error)[:200])
            finally:
                os.chdir(cwd)
        verdicts.setdefault(outcome.verdict, []).append(name)
        print(f"{outcome.verdict:9s} {name:42s} {outcome.detail}", flush=True)
    return verdicts


def main(cases: dict[str, Callable[[Path], Outcome]] | None = None) -> int:
    """``python -m tests.test_bad_inputs [CASE ...]``: the table, a count per verdict, "all clear" and exit 0 when
    every case is clear, else exit 1."""
    result = table(sys.argv[1:] or None, cases)
    tried = sum(len(v) for v in result.values())
    print(f"tried {tried}: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(result.items())))
    if set(result) == {"clear"}:
        print("all clear")
    return 0 if set(result) == {"clear"} else 1


if __name__ == "__main__":
    sys.exit(main())
