"""No code from data files: every ``torch.load`` in the package passes ``weights_only=True``, no plain pickle
load, no ``numpy.load(allow_pickle=True)``; pickled data goes through empirical.data.restricted_pickle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "sims", "empirical", "benchmarks")
RESTRICTED = ROOT / "empirical" / "data" / "restricted_pickle.py"


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def unsafe_loads(source: str, name: str = "<source>") -> list[str]:
    """The calls in ``source`` that could run code from a file: ``name:line: call``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = _dotted(node.func)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        if called.endswith("torch.load") or called == "load" and "map_location" in keywords:
            flag = keywords.get("weights_only")
            if not (isinstance(flag, ast.Constant) and flag.value is True):
                found.append(f"{name}:{node.lineno}: {called} without weights_only=True")
        elif called in (
            "pickle.load",
            "pickle.loads",
            "pickle.Unpickler",
            "joblib.load",
            "dill.load",
            "dill.loads",
            "cloudpickle.load",
            "cloudpickle.loads",
        ):
            found.append(f"{name}:{node.lineno}: {called}")
        elif called.endswith("np.load") or called.endswith("numpy.load"):
            flag = keywords.get("allow_pickle")
            if flag is not None and not (isinstance(flag, ast.Constant) and flag.value is False):
                found.append(f"{name}:{node.lineno}: {called} with allow_pickle")
    return found


def test_the_checker_finds_each_unsafe_load():  # the negative control
    source = (
        "import torch, pickle, numpy as np\ntorch.load(p)\ntorch.load(p, weights_only=False)\n"
        "pickle.load(f)\nnp.load(p, allow_pickle=True)\ntorch.load(p, map_location='cpu', weights_only=True)\n"
        "np.load(p)\n"
    )
    assert [line.split(":")[1] for line in unsafe_loads(source)] == ["2", "3", "4", "5"]


def test_no_module_of_the_package_loads_code_from_a_file():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != RESTRICTED:
                found += unsafe_loads(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []
