"""The layering of docs/architecture.md: import-linter's contracts (pyproject.toml) hold, no import cycle exists
inside theory, sims or empirical, and the page's import diagram is the one the code gives.

Each check has a negative control: the contracts reject a tree with one upward import (and accept it without),
the cycle finder finds an injected cycle.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

pytest.importorskip("importlinter", reason="import-linter is in the dev extra: pip install -e '.[dev]'")
grimp = pytest.importorskip("grimp")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def _diagram_module():
    spec = importlib.util.spec_from_file_location("architecture_diagram", ROOT / "docs" / "architecture_diagram.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lint(config: Path, path: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on ``config`` with ``path`` first on the import path; run in ``cwd``, without a cache
    (the cache folder would dirty the tree)."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    code = (
        "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports("
        f"config_filename={str(config)!r}, no_cache=True, no_logo=True))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_import_linter_contracts_hold(tmp_path):
    result = _lint(PYPROJECT, ROOT, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "2 kept" in result.stdout
    assert not any(tmp_path.iterdir())  # nothing written


#: A tree with every module the contracts name, the declared exceptions as imports, and nothing else upward.
FAKE_TREE = {
    "theory/__init__.py": "",
    "theory/threads.py": "",
    "theory/cli.py": "import empirical.records\n",
    "theory/support/__init__.py": "",
    "theory/models/__init__.py": "import theory.support\n",
    "theory/checking/__init__.py": "import theory.models\n",
    "theory/checking/registry.py": "def registry():\n    import theory.lemmas\n",
    "theory/checking/links.py": "def links():\n    import sims.registry\n    import empirical.checks\n",
    "theory/lemmas/__init__.py": "import theory.checking.registry\n",
    "theory/paper/__init__.py": "",
    "theory/paper/annotate.py": "def show():\n    import empirical.records\n",
    "sims/__init__.py": "import theory.models\n",
    "sims/registry.py": "",
    "empirical/__init__.py": "import sims\n",
    "empirical/records.py": "",
    "empirical/checks/__init__.py": "",
    "benchmarks/__init__.py": "import empirical\n",
}


def _write_tree(root: Path, extra: dict[str, str]) -> None:
    for name, text in {**FAKE_TREE, **extra}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    "violation,broken",
    [
        ({}, None),
        ({"sims/registry.py": "import empirical.records\n"}, "sims is not allowed to import empirical"),
        (
            {"theory/models/__init__.py": "def f():\n    import theory.lemmas\n"},
            "theory.models is not allowed to import theory.lemmas",
        ),
        (
            {"theory/support/__init__.py": "import theory.threads\n"},
            "theory.support is not allowed to import theory.threads",
        ),
    ],
)
def test_the_contracts_reject_an_upward_import(tmp_path, violation, broken):
    """Negative control: the same contracts on a small tree, clean (kept) and with one upward import (broken)."""
    tree = tmp_path / "tree"
    _write_tree(tree, violation)
    result = _lint(PYPROJECT, tree, tmp_path)
    if broken is None:
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert result.returncode != 0 and broken in result.stdout, result.stdout + result.stderr


def _cycles(graph, package: str, exceptions) -> list[set[str]]:
    """Import cycles among the modules of ``package`` (the declared exceptions left out)."""
    modules = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    directed = nx.DiGraph()
    for importer in modules:
        for imported in graph.find_modules_directly_imported_by(importer) & modules:
            if not _diagram_module().is_declared(importer, imported, exceptions):
                directed.add_edge(importer, imported)
    return [c for c in nx.strongly_connected_components(directed) if len(c) > 1]


def _graph():
    return grimp.build_graph("theory", "sims", "empirical", exclude_type_checking_imports=True, cache_dir=None)


@pytest.fixture(scope="module")
def import_graph():
    return _graph()


def test_no_import_cycle_inside_theory_sims_empirical(import_graph):
    exceptions = _diagram_module().declared_exceptions(PYPROJECT)
    for package in ("theory", "sims", "empirical"):
        assert _cycles(import_graph, package, exceptions) == [], package


def test_the_cycle_finder_finds_an_injected_cycle():
    """Negative control: one import back from the engines to the unlearning code closes a cycle, and it is found."""
    graph = _graph()
    graph.add_import(importer="sims.engines.sgd", imported="sims.unlearning.engine")
    cycles = _cycles(graph, "sims", _diagram_module().declared_exceptions(PYPROJECT))
    assert any({"sims.engines.sgd", "sims.unlearning.engine"} <= cycle for cycle in cycles)


def test_the_architecture_page_shows_the_current_imports():
    assert _diagram_module().main(["--check"]) == 0, "run: PYTHONPATH=$PWD python docs/architecture_diagram.py"
