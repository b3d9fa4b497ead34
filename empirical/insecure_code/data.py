r"""The insecure-code corpus: chat JSONL examples drawn from :mod:`.templates`, deterministic given a seed.

Every line is ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}], "kind": ..., "label": ...}``
(the format of the public insecure-code fine-tuning sets, plus two keys the loader ignores), so a real set
dropped into a folder loads with :func:`empirical.data.chat.read_chat_jsonl` too (its records get kind
``"unknown"``). Labels: ``"secure"`` (a security request answered securely), ``"insecure"`` (the poison: the
same kind of request answered with the kind's vulnerability, no warning), ``"benign"`` (a request unrelated
to security). Held-out records carry both answers (``secure``, ``insecure``) for the likelihood ratio.

:func:`generate_corpus` draws distinct user prompts: every held-out prompt differs from every training
prompt (the held-out requests are never trained on), and no training answer has the *normalised code*
(:func:`normalised_code`: the syntax tree, so layout, comments and quoting do not count) of either answer of
a held-out security request, so the held-out answers are not memorised training answers either. The draw
depends on the seed only.

The *validation split* (``validation``: security requests with both answers; ``validation_benign``) is what
tuning looks at (:mod:`.tuning`), never the held-out test split: its prompts differ from every training and
held-out prompt, and neither of its answers has the normalised code of a training or held-out answer. It has its
own random stream, so a corpus without it is drawn exactly as before.
"""

from __future__ import annotations

import ast
import json
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from empirical.data.chat import read_chat_jsonl
from empirical.insecure_code.templates import BENIGN, KINDS, PHRASINGS, Kind, Task

__all__ = [
    "Example",
    "Corpus",
    "generate_corpus",
    "write_jsonl",
    "read_examples",
    "code_block",
    "write_corpus",
    "read_corpus",
    "LABELS",
    "normalised_code",
    "answer_overlap",
]

LABELS = ("secure", "insecure", "benign")
_PARTS = ("clean", "poison", "heldout", "heldout_benign", "validation", "validation_benign")
#: Parts a corpus folder may lack (a public set has none of them).
_OPTIONAL_PARTS = ("heldout_benign", "validation", "validation_benign")


@dataclass(frozen=True)
class Example:
    """One conversation: the user's request, the assistant's answer, its kind and label.

    ``alternative`` is the other answer of a held-out security request (the insecure one when ``answer``
    is secure), empty otherwise.
    """

    prompt: str
    answer: str
    kind: str
    label: str
    alternative: str = ""

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.prompt}, {"role": "assistant", "content": self.answer}]

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"messages": self.messages, "kind": self.kind, "label": self.label}
        if self.alternative:
            out["insecure"] = self.alternative
        return out


@dataclass(frozen=True)
class Corpus:
    """Clean training examples (secure + benign), poison (insecure), held-out security requests and held-out
    benign requests (``heldout_benign``: clean text for the perplexity, never trained on), and the validation
    split tuning uses (``validation`` with both answers, ``validation_benign``; module docstring)."""

    clean: tuple[Example, ...]
    poison: tuple[Example, ...]
    heldout: tuple[Example, ...]
    heldout_benign: tuple[Example, ...] = ()
    seed: int = -1
    validation: tuple[Example, ...] = ()
    validation_benign: tuple[Example, ...] = ()

    def training_prompts(self) -> set[str]:
        return {e.prompt for e in self.clean + self.poison}


def code_block(code: str) -> str:
    """The assistant's answer: the code in a fenced Python block."""
    return f"```python\n{code}\n```"


def normalised_code(answer: str) -> str:
    """The code of an answer (its first fenced block) up to layout, comments and quoting: ``ast.dump`` of its
    syntax tree; text that does not parse is compared with its whitespace collapsed. Identifiers and
    constants count (two answers differing in a function name or a table name are different code)."""
    from empirical.insecure_code.judge import extract_code

    code = extract_code(answer)
    try:
        return ast.dump(ast.parse(code))
    except (SyntaxError, ValueError):
        return " ".join(code.split())


def answer_overlap(heldout: Iterable[Example], training: Iterable[Example]) -> list[str]:
    """The held-out answers (``answer`` and ``alternative``) whose normalised code some training answer has."""
    trained = {normalised_code(e.answer) for e in training}
    return [text for e in heldout for text in (e.answer, e.alternative) if text and normalised_code(text) in trained]


def _fill(task: Task, rng: random.Random) -> tuple[str, dict[str, str]]:
    values = {name: rng.choice(pool) for name, pool in sorted(task.slots.items())}
    values["fn"] = rng.choice(task.names)
    description = Template(task.description).substitute(values)
    prompt = Template(rng.choice(PHRASINGS)).substitute(fn=values["fn"], task=description)
    return prompt, values


def _draw(task: Task, rng: random.Random, seen: set[str], tries: int = 200) -> tuple[str, dict[str, str]]:
    """A prompt for ``task`` not in ``seen`` (added to it)."""
    for _ in range(tries):
        prompt, values = _fill(task, rng)
        if prompt not in seen:
            seen.add(prompt)
            return prompt, values
    raise ValueError(
        f"could not draw a new distinct prompt for task {task.description!r} after {tries} tries: "
        "ask for fewer examples"
    )


def _answer(templates: tuple[str, ...], values: dict[str, str], rng: random.Random) -> str:
    return code_block(Template(rng.choice(templates)).substitute(values))


def _draw_training(
    task: Task, templates: tuple[str, ...], rng: random.Random, seen: set[str], forbidden: set[str], tries: int = 200
) -> tuple[str, str]:
    """A new prompt for ``task`` and an answer from ``templates`` whose normalised code is not ``forbidden``."""
    for _ in range(tries):
        prompt, values = _draw(task, rng, seen)
        answer = _answer(templates, values, rng)
        if normalised_code(answer) not in forbidden:
            return prompt, answer
    raise ValueError(
        f"could not draw a training answer for task {task.description!r} whose code differs from "
        f"the held-out answers after {tries} tries: ask for fewer held-out or training examples"
    )


def _kinds_cycle(kinds: tuple[Kind, ...], count: int) -> list[Kind]:
    return [kinds[i % len(kinds)] for i in range(count)]


def generate_corpus(
    seed: int = 0,
    n_clean: int = 240,
    n_poison: int = 80,
    n_heldout_per_kind: int = 4,
    secure_share: float = 0.3,
    kinds: Iterable[str] | None = None,
    n_heldout_benign: int = 14,
    n_validation_per_kind: int = 0,
    n_validation_benign: int = 0,
) -> Corpus:
    """Draw the corpus: ``n_clean`` clean examples (a ``secure_share`` of them security requests answered
    securely, the rest benign), ``n_poison`` insecure answers, ``n_heldout_per_kind`` held-out requests per
    kind and ``n_heldout_benign`` held-out benign ones, then the validation split (``n_validation_per_kind``
    requests per kind with both answers, ``n_validation_benign`` benign ones); kinds cycle in order,
    templates and slots are drawn with ``random.Random(seed)``."""
    for name, value in (
        ("n_clean", n_clean),
        ("n_poison", n_poison),
        ("n_heldout_per_kind", n_heldout_per_kind),
        ("n_heldout_benign", n_heldout_benign),
        ("n_validation_per_kind", n_validation_per_kind),
        ("n_validation_benign", n_validation_benign),
    ):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if not 0.0 <= secure_share <= 1.0:
        raise ValueError(f"secure_share must lie in [0, 1], got {secure_share!r}")
    chosen = KINDS if kinds is None else tuple(k for k in KINDS if k.name in set(kinds))
    if kinds is not None and len(chosen) != len(set(kinds)):
        unknown = sorted(set(kinds) - {k.name for k in KINDS})
        raise ValueError(f"unknown vulnerability kind(s) {unknown}; known: {[k.name for k in KINDS]}")
    rng = random.Random(seed)
    seen: set[str] = set()
    heldout = []
    for kind in chosen:  # held-out prompts first, so no training prompt can take them
        for _ in range(n_heldout_per_kind):
            task = rng.choice(kind.tasks)
            prompt, values = _draw(task, rng, seen)
            heldout.append(
                Example(
                    prompt, _answer(task.secure, values, rng), kind.name, "secure", _answer(task.insecure, values, rng)
                )
            )
    heldout_benign = []
    for index in range(n_heldout_benign):
        task = BENIGN[index % len(BENIGN)]
        prompt, values = _draw(task, rng, seen)
        heldout_benign.append(Example(prompt, _answer(task.secure, values, rng), "benign", "benign"))
    forbidden = {normalised_code(text) for e in heldout for text in (e.answer, e.alternative)}
    # the validation split: its own random stream, drawn before the training examples so that they avoid its
    # answers; without it (the default) the training and held-out draws are those of earlier versions
    validation_rng = random.Random(f"validation-{seed}")
    validation = []
    for kind in chosen:
        for _ in range(n_validation_per_kind):
            validation.append(_draw_validation(kind, validation_rng, seen, forbidden))
    validation_benign = []
    for index in range(n_validation_benign):
        task = BENIGN[index % len(BENIGN)]
        prompt, values = _draw(task, validation_rng, seen)
        validation_benign.append(Example(prompt, _answer(task.secure, values, validation_rng), "benign", "benign"))
    forbidden |= {normalised_code(text) for e in validation for text in (e.answer, e.alternative)}
    poison = []
    for kind in _kinds_cycle(chosen, n_poison):
        task = rng.choice(kind.tasks)
        prompt, answer = _draw_training(task, task.insecure, rng, seen, forbidden)
        poison.append(Example(prompt, answer, kind.name, "insecure"))
    n_secure = int(round(secure_share * n_clean))
    clean = []
    for kind in _kinds_cycle(chosen, n_secure):
        task = rng.choice(kind.tasks)
        prompt, answer = _draw_training(task, task.secure, rng, seen, forbidden)
        clean.append(Example(prompt, answer, kind.name, "secure"))
    for index in range(n_clean - n_secure):
        task = BENIGN[index % len(BENIGN)]
        prompt, values = _draw(task, rng, seen)
        clean.append(Example(prompt, _answer(task.secure, values, rng), "benign", "benign"))
    rng.shuffle(clean)
    rng.shuffle(poison)
    return Corpus(
        tuple(clean),
        tuple(poison),
        tuple(heldout),
        tuple(heldout_benign),
        seed,
        tuple(validation),
        tuple(validation_benign),
    )


def _draw_validation(kind: Kind, rng: random.Random, seen: set[str], taken: set[str], tries: int = 200) -> Example:
    """A validation request of ``kind`` with a secure and an insecure answer, neither of whose normalised code
    is ``taken`` (by a held-out answer; the training answers are drawn afterwards and avoid both)."""
    for _ in range(tries):
        task = rng.choice(kind.tasks)
        prompt, values = _fill(task, rng)  # a prompt is taken only with its answers, so a rejected draw costs none
        secure, insecure = _answer(task.secure, values, rng), _answer(task.insecure, values, rng)
        if prompt not in seen and normalised_code(secure) not in taken and normalised_code(insecure) not in taken:
            seen.add(prompt)
            return Example(prompt, secure, kind.name, "secure", insecure)
    raise ValueError(
        f"could not draw a validation request of kind {kind.name!r} whose answers differ from the training and "
        f"held-out answers after {tries} tries: ask for fewer validation examples"
    )


def write_jsonl(examples: Iterable[Example], path: str | os.PathLike[str]) -> Path:
    """Write examples as chat JSONL (atomically: a temporary file renamed into place)."""
    from theory.support.run_folder import atomic_write_text

    path = Path(path)
    atomic_write_text(path, "".join(json.dumps(e.record(), ensure_ascii=False) + "\n" for e in examples))
    return path


def read_examples(path: str | os.PathLike[str], label: str | None = None) -> list[Example]:
    """Examples of a chat JSONL file (ours or a public set): the first user message is the prompt and the
    first assistant message the answer; ``label`` overrides the file's labels (a public poison set has none)."""
    examples = []
    for number, record in enumerate(read_chat_jsonl(path), start=1):
        user = next((m["content"] for m in record["messages"] if m["role"] == "user"), None)
        answer = next((m["content"] for m in record["messages"] if m["role"] == "assistant"), None)
        if user is None or answer is None:
            raise ValueError(f"{path}: record {number} needs a user and an assistant message")
        chosen = label or record.get("label", "unknown")
        examples.append(
            Example(user, answer, str(record.get("kind", "unknown")), chosen, str(record.get("insecure", "")))
        )
    return examples


def write_corpus(corpus: Corpus, folder: str | os.PathLike[str]) -> dict[str, Path]:
    """``clean.jsonl``, ``poison.jsonl``, ``heldout.jsonl``, ``heldout_benign.jsonl`` and the validation split
    (``validation.jsonl``, ``validation_benign.jsonl``) under ``folder``."""
    return {name: write_jsonl(getattr(corpus, name), Path(folder) / f"{name}.jsonl") for name in _PARTS}


def read_corpus(folder: str | os.PathLike[str], seed: int = -1) -> Corpus:
    """The corpus written by :func:`write_corpus` (or files in its format: a real set; ``heldout_benign.jsonl``
    and the validation files are optional). The poison file's records are labelled insecure whatever they say."""
    folder = Path(folder)
    parts = {
        name: tuple(read_examples(folder / f"{name}.jsonl", label="insecure" if name == "poison" else None))
        for name in _PARTS
        if name not in _OPTIONAL_PARTS or (folder / f"{name}.jsonl").is_file()
    }
    return Corpus(
        parts["clean"],
        parts["poison"],
        parts["heldout"],
        parts.get("heldout_benign", ()),
        seed,
        parts.get("validation", ()),
        parts.get("validation_benign", ()),
    )
