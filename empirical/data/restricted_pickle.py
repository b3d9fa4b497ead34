"""Reading pickled data files without running code from them: an unpickler with an allow-list of globals.

A pickle is a program: ``pickle.load`` calls whatever callable the file names (``os.system`` through
``__reduce__``), so a planted file in a data folder runs code. :class:`RestrictedUnpickler` resolves only
the globals of :data:`ALLOWED` (``pickle.Unpickler.find_class``, the documented hook for this); the
builtin containers, ``bytes``, ``str``, ``int`` and ``float`` need no global. Everything a CIFAR-10 python
batch holds is covered: a dict of bytes keys, lists of ints and bytes, and one uint8 numpy array, whose
reconstruction needs ``numpy.ndarray``, ``numpy.dtype`` and numpy's ``_reconstruct`` (protocols 0-4) or
``_frombuffer`` (protocol 5), under the module names of numpy 1 (``numpy.core``) and numpy 2
(``numpy._core``); a Python 3 pickle of protocol 2 spells bytes as ``_codecs.encode(text, "latin1")``,
allowed for that codec only. Any other global is refused before it is imported: :class:`UnsafePickleError`,
whose one-line message names the file and the global.
"""

from __future__ import annotations

import codecs
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ALLOWED", "UnsafePickleError", "RestrictedUnpickler", "load_restricted"]


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: latin-1 only (no other codec is run)."""
    if not isinstance(text, str) or encoding.lower().replace("-", "").replace("_", "") not in ("latin1", "iso88591"):
        raise _Refused(f"_codecs.encode with encoding {encoding!r} (only latin1 spells bytes)")
    return codecs.encode(text, "latin1")


def _numpy(module: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), name)


#: (module, name) -> how to resolve it; nothing outside this table is imported.
ALLOWED: dict[tuple[str, str], Callable[..., Any]] = {
    ("numpy", "ndarray"): lambda: _numpy("numpy", "ndarray"),
    ("numpy", "dtype"): lambda: _numpy("numpy", "dtype"),
    **{
        (f"{core}.multiarray", "_reconstruct"): (lambda core=core: _numpy(f"{core}.multiarray", "_reconstruct"))
        for core in ("numpy.core", "numpy._core")
    },
    **{
        (f"{core}.numeric", "_frombuffer"): (lambda core=core: _numpy(f"{core}.numeric", "_frombuffer"))
        for core in ("numpy.core", "numpy._core")
    },
    ("_codecs", "encode"): lambda: _latin1_encode,
}


class UnsafePickleError(ValueError):
    """A pickle that names a global outside :data:`ALLOWED`: the message names the file and the global."""


class _Refused(pickle.UnpicklingError):
    """Raised inside the unpickler for a global outside the allow-list; its message is what was asked for."""


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` resolves only :data:`ALLOWED`."""

    def find_class(self, module: str, name: str) -> Any:
        resolve = ALLOWED.get((module, name))
        if resolve is None:
            raise _Refused(f"{module}.{name}")
        return resolve()


def load_restricted(path: str | Path, what: str, remedy: str) -> Any:
    """The object pickled in ``path`` (bytes keys kept as bytes), read by :class:`RestrictedUnpickler`.

    ``what`` names the expected contents ("a CIFAR-10 python batch") and ``remedy`` what to do; a refused
    global raises :class:`UnsafePickleError`, any other unreadable pickle ``ValueError``, both one line.
    """
    path = Path(path)
    try:
        with path.open("rb") as opened:
            return RestrictedUnpickler(opened, encoding="bytes").load()
    except _Refused as error:
        raise UnsafePickleError(
            f"{path} was not loaded: it asks to call {error}, "
            f"which {what} never holds (only dicts, lists, bytes, str, numbers and numpy "
            f"arrays are read); the file may be malicious: {remedy}"
        ) from None
    except Exception as error:
        raise ValueError(
            f"{path} is not readable as {what} ({type(error).__name__}: {str(error)[:80]}); {remedy}"
        ) from None
