"""The --set keys read from the source (empirical.source_specs) are the signatures Python sees when it imports
the code: every model constructor, data loader, TrainConfig field and the check registry."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import pytest

from empirical import source_specs
from empirical.options import _CONSTRUCTORS, _FILLED, data_keys, data_names, model_keys, model_names, train_keys


def _imported_defaults(function) -> dict:
    return {
        name: None if parameter.default is parameter.empty else parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if name not in _FILLED and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    }


def test_names_match_the_imported_registries():
    from empirical.data import DATASETS
    from empirical.models import MODELS

    assert model_names() == MODELS and set(_CONSTRUCTORS) == set(MODELS)
    assert data_names() == DATASETS


@pytest.mark.parametrize("model", ["resnet18", "small-cnn", "mlp", "linear", "llama"])
def test_model_keys_match_the_constructors(model):
    from empirical import models

    keys = model_keys(model)
    constructor = getattr(models, _CONSTRUCTORS[model])
    for key, default in _imported_defaults(constructor).items():
        assert keys[key] == default, key
    if model == "llama":
        from empirical.models.llama import _SIZES, llama_config

        assert {key: keys[key] for key in _SIZES["tiny"]} == _SIZES["tiny"]
        config = llama_config("tiny")
        assert all(getattr(config, key) == keys[key] for key in ("rms_norm_eps", "tie_word_embeddings"))
        rope = getattr(config, "rope_parameters", None) or {"rope_theta": config.__dict__.get("rope_theta")}
        assert rope["rope_theta"] == keys["rope_theta"]  # newer transformers keep it in rope_parameters
    else:
        assert set(keys) == set(_imported_defaults(constructor))


@pytest.mark.parametrize("data", ["digits", "cifar10", "cifar-synthetic", "regression", "chat", "tokens"])
def test_data_keys_match_the_loaders(data):
    from empirical.data import _LOADERS

    assert data_keys(data) == _imported_defaults(_LOADERS[data])


def test_train_keys_match_the_dataclass():
    from empirical.train import TrainConfig

    expected = {field.name: field.default for field in dataclasses.fields(TrainConfig)}
    assert train_keys() == {**expected, "epochs": 0}


def test_the_registry_runs_the_check_modules_own_functions():
    from importlib import import_module

    from empirical.checks import CHECKS

    for check in CHECKS.values():
        module, function = check.run.__qualname__.rsplit(".", 1)
        assert callable(getattr(import_module(module), function)), check.name
        defaults = getattr(import_module(module), "DEFAULTS", None)
        if defaults is not None:  # the check module's DEFAULTS are the registry's
            assert defaults is check.defaults or module.endswith("experiments"), check.name


def test_help_imports_no_torch():
    code = (
        "import sys; from empirical.options import help_text; text = help_text(); "
        "print('torch' in sys.modules, 'scipy.stats' in sys.modules, len(text))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    torch_loaded, stats_loaded, length = done.stdout.split()
    assert torch_loaded == "False" and stats_loaded == "False" and int(length) > 1000


def test_non_literal_defaults_are_refused_with_their_name(tmp_path, monkeypatch):
    package = tmp_path / "specpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("import math\ndef f(a=1, b=math.pi, *, c=dict(x=1)):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    source_specs.module_source.cache_clear()
    with pytest.raises(ValueError, match=r"specpkg.mod.f\(b\).*math.pi"):
        source_specs.keyword_defaults("specpkg.mod", "f")
    assert source_specs.keyword_defaults("specpkg.mod", "f", skip=frozenset({"b"})) == {"a": 1, "c": {"x": 1}}
    with pytest.raises(LookupError, match="no top-level function or class 'g'"):
        source_specs.keyword_defaults("specpkg.mod", "g")


def test_a_spread_entry_in_a_name_mapping_is_refused_with_its_name(tmp_path, monkeypatch):
    # Found by mypy (issue 21, item 6): a ``**other`` entry has no key node and crashed with an AttributeError.
    package = tmp_path / "specpkg2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def f():\n    pass\nOTHER = {}\nSPREAD = {**OTHER, 'a': f}\nPLAIN = {'a': f}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    source_specs.module_source.cache_clear()
    with pytest.raises(ValueError, match=r"specpkg2.mod.SPREAD: a \*\*mapping entry"):
        source_specs.name_mapping("specpkg2.mod", "SPREAD")
    assert source_specs.name_mapping("specpkg2.mod", "PLAIN") == {"a": "f"}
