"""Keyword defaults of functions, classes and dataclasses read from their source, without importing it.

``python -m empirical run --help`` lists every ``--set`` key with its default (empirical.options), and those
defaults live in the signatures of the model constructors, the data loaders and ``TrainConfig``, in modules
that import torch (2-3 s). Reading the same signatures with :mod:`ast` keeps ``--help`` under a second, and
keeps the code the one place the defaults are written. Only literal defaults are supported (numbers,
strings, booleans, None, tuples, lists, dicts of them); anything else is an error naming the parameter, so a
future non-literal default cannot be misreported. tests/empirical/test_options.py checks every reading
against :func:`inspect.signature` of the imported objects.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any, cast

__all__ = ["module_source", "keyword_defaults", "dataclass_defaults", "constant", "name_mapping", "imported_from"]


@cache
def module_source(module: str) -> tuple[Path, ast.Module]:
    """The file and parsed syntax tree of ``module`` (found on the import path, not imported)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)  # only the top package: find_spec of a submodule imports its parents
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"no package {top!r} on the import path")
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if rest and path.is_file() or not rest and path.name == "__init__.py" and path.is_file():
            return path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    raise ImportError(f"no Python source for module {module!r} under {base.parent}")


def _definition(module: str, name: str) -> ast.FunctionDef | ast.ClassDef:
    path, tree = module_source(module)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return node
    raise LookupError(f"{path}: no top-level function or class {name!r}")


def _literal(value: ast.expr, where: str) -> Any:
    """``ast.literal_eval``, plus ``dict(key=literal, ...)`` calls (at any depth)."""
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "dict"
        and not value.args
        and all(keyword.arg for keyword in value.keywords)
    ):
        return {keyword.arg: _literal(keyword.value, where) for keyword in value.keywords}
    if isinstance(value, ast.Dict) and all(key is not None for key in value.keys):
        # cast: the all() above excludes None keys (a **mapping entry)
        return {
            _literal(cast(ast.expr, key), where): _literal(item, where) for key, item in zip(value.keys, value.values)
        }
    try:
        return ast.literal_eval(value)
    except ValueError:
        raise ValueError(f"{where}: default {ast.unparse(value)!r} is not a literal") from None


def keyword_defaults(module: str, name: str, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``{parameter: default}`` of function ``name`` (or class ``name``'s ``__init__``) in ``module``, in order;
    parameters without a default map to None; ``self``, ``*args``, ``**kwargs`` and ``skip`` are left out."""
    node = _definition(module, name)
    if isinstance(node, ast.ClassDef):
        inits = [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"]
        if not inits:
            raise LookupError(f"{module}.{name} defines no __init__")
        node = inits[0]
    arguments = node.args
    positional = arguments.posonlyargs + arguments.args
    padded = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = list(zip(positional, padded)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    out = {}
    for argument, default in pairs:
        if argument.arg == "self" or argument.arg in skip:
            continue
        out[argument.arg] = None if default is None else _literal(default, f"{module}.{name}({argument.arg})")
    return out


def dataclass_defaults(module: str, name: str) -> dict[str, Any]:
    """``{field: default}`` of dataclass ``name`` in ``module`` (annotated class attributes, in order)."""
    node = _definition(module, name)
    out = {}
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            where = f"{module}.{name}.{item.target.id}"
            out[item.target.id] = None if item.value is None else _literal(item.value, where)
    return out


def constant(module: str, name: str) -> Any:
    """The literal value of the module-level assignment ``name = ...`` in ``module``."""
    path, tree = module_source(module)
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets) and node.value is not None:
            return _literal(node.value, f"{module}.{name}")
    raise LookupError(f"{path}: no module-level constant {name!r}")


def name_mapping(module: str, name: str) -> dict[str, str]:
    """``{key: identifier}`` of the module-level dict ``name = {"key": identifier, ...}`` in ``module``."""
    path, tree = module_source(module)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            pairs = list(zip(node.value.keys, node.value.values))
            if any(key is None for key, _ in pairs):
                raise ValueError(
                    f"{module}.{name}: a **mapping entry cannot be read from the source; list the entries one by one"
                )
            return {
                _literal(cast(ast.expr, key), f"{module}.{name}"): value.id  # cast: None keys refused above
                for key, value in pairs
                if isinstance(value, ast.Name)
            }
    raise LookupError(f"{path}: no module-level dict {name!r}")


def imported_from(module: str, name: str) -> str:
    """The module that ``module`` imports ``name`` from (``from X import name``), resolving ``module`` itself when
    ``name`` is defined there."""
    _, tree = module_source(module)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == name and not alias.asname for alias in node.names):
            if node.level:
                raise ValueError(f"{module}: relative import of {name!r} is not supported")
            assert node.module is not None  # level 0: an absolute import names its module
            return node.module
    _definition(module, name)
    return module
