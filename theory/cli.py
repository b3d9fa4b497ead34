"""The ``theory`` command line: ``python -m theory list | show ID | verify | export | cite-check | annotate``.

Where statuses come from. A status is derived by running a lemma's checks (:mod:`theory.checking.status`).
``verify`` always runs them and writes the verification record under results/ (default
``results/verification.json``, or ``--record PATH``), so it never dirties the git tree;
``verify --only ID...`` keeps the other lemmas of a fresh record of the same profile there.
``verify --budget SECONDS`` stops the search when the time is up (lemmas not reached are a problem).
``list`` and ``show`` read that record (or ``--record PATH``; without one, the tracked
``docs/verification.json``) when it is *fresh* -- written from the current ``theory`` sources
(:func:`theory.checking.verify.record_is_fresh`) and, if ``--profile`` is given, under that profile -- and
evaluate whatever it lacks, with a progress bar on stderr, under ``--profile`` (default ``dev``
interactively; see :func:`theory.checking.profiles.default_profile_name`). ``--no-record`` always evaluates.
``export`` is the one command that writes the tracked docs: it runs the checks under profile ``ci``
(or renders ``--record PATH``) and writes docs/verification.json, docs/lemmas.md, docs/latex/, the
lemma graph, docs/claims.md and docs/readings.md, and the scorecard section of the README beside the output folder (between its markers,
:mod:`theory.paper.scorecard`; ``list``, ``verify``, ``annotate`` and the catalogs print the same
scorecard); ``export --thorough`` runs profile ``thorough`` (10,000 examples per property: expect
over an hour on one core at 115 lemmas) and writes docs/verification-thorough.json only. ``cite-check`` reads
``--record`` if given, else evaluates the cited lemmas.

Exit codes: 0 success; 1 a lemma has problems (``verify``, ``export``) or a citation is not citable
(``cite-check``); 2 bad usage (unknown lemma id, missing file, unknown profile, bad budget).
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # entry point (also a console script): before numpy / torch start their pools

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from theory.checking.links import measured_by
from theory.checking.profiles import PROFILES
from theory.checking.registry import Lemma, get, registry
from theory.checking.verify import (
    DEFAULT_RECORD,
    THOROUGH_RECORD,
    TRACKED_RECORD,
    default_record,
    merge_records,
    read_record,
    resolve_entries,
    run_verification,
    status_counts,
    write_record,
)

__all__ = ["main", "build_parser", "format_table"]


class UsageError(Exception):
    """Bad input on the command line: printed without a traceback, exit code 2."""


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with left-aligned, space-padded columns."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(header)] + [len(row[i]) for row in cells]) for i, header in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _lemmas(ids: Sequence[str] | None) -> list[Lemma]:
    """The named lemmas (unknown ids are usage errors with close matches), else all of them."""
    if not ids:
        return list(registry().values())
    try:
        return [get(lemma_id) for lemma_id in dict.fromkeys(ids)]
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def _record_path(args: argparse.Namespace) -> Path | None:
    if getattr(args, "no_record", False):
        return None
    return Path(args.record) if args.record else default_record()


def _budget(text: str) -> float:
    """``--budget``: a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget takes a number of seconds, got {text!r}") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"--budget must be a positive, finite number of seconds, got {text!r}")
    return seconds


def _counts_line(entries: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"{count} {status}" for status, count in status_counts(entries).items())


def _scorecard_line(entries: Sequence[dict[str, Any]]) -> str:
    """The scorecard (:mod:`theory.paper.scorecard`) of a record's entries; lemmas it lacks count as unverified."""
    from theory.paper.scorecard import scorecard_from_entries

    missing = len(set(registry()) - {entry["id"] for entry in entries})
    note = f" ({missing} lemma(s) not in this record count as unverified)" if missing else ""
    return scorecard_from_entries(entries).text() + note


# ----------------------------------------------------------------------------- list
def _coverage_cell(entry: dict[str, Any]) -> str:
    """The sizes a proved or verified lemma's checks cover ("all p", "p <= 4"), shortened; "" otherwise."""
    if entry["status"] not in ("proved", "verified"):
        return ""
    return _shorten(entry.get("coverage") or "undeclared", 36)


def _coverage_words(entry: dict[str, Any]) -> str:
    """The sizes the checks cover, and whether that is every size the statement quantifies over."""
    text = entry.get("coverage") or "no checks"
    return f"{text} ({'every size' if entry.get('coverage_every_size') else 'not every size: proved needs every size'})"


def _cmd_list(args: argparse.Namespace) -> int:
    lemmas = _lemmas(args.only)
    entries, origin = resolve_entries(lemmas, args.profile, _record_path(args), progress=not args.no_progress)
    if args.json:
        print(json.dumps([entries[lemma.id] for lemma in lemmas], indent=1, allow_nan=False))
        return 0
    rows = [
        (
            lemma.id,
            entries[lemma.id]["status"] + ("" if entries[lemma.id]["ok"] else " (!)"),
            _coverage_cell(entries[lemma.id]),
            "draft" if lemma.as_written else "added",
            _shorten(lemma.source, 40),
            lemma.title,
        )
        for lemma in lemmas
    ]
    print(format_table(("id", "status", "coverage", "claim", "source", "title"), rows))
    if args.only:
        print(f"\n{len(lemmas)} lemmas: {_counts_line(list(entries.values()))}. Statuses: {origin}.")
    else:  # the whole registry: the scorecard, the one set of counts every surface prints
        from theory.paper.scorecard import scorecard_from_entries

        print(f"\nStatuses: {origin}.\n{scorecard_from_entries(entries).text()}")
    if any(not entry["ok"] for entry in entries.values()):
        print("(!) the checks did not reproduce the registry: see `python -m theory show ID`")
    return 0


# ----------------------------------------------------------------------------- show
def _latest_measurement(lemma_id: str, results: str) -> str:
    """The latest empirical measurement of a lemma, or why there is none."""
    try:
        from empirical.records import latest_measurements
    except ImportError:
        return "not available (empirical.records cannot be imported: install the `empirical` extra)"
    try:  # a missing folder is no error: empirical.records also reads its archive of measurements
        measurements = latest_measurements(out_dir=results)
    except Exception as error:  # a measurement store that cannot be read must not hide the lemma
        return f"could not be read from {results!r}: {type(error).__name__}: {error}"
    measurement = measurements.get(lemma_id)
    if measurement is None:
        return f"none recorded in {results!r} (measure with `python -m empirical run CHECK`)"
    return json.dumps(measurement, indent=1, default=str)


def _field(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(value) if value else "-"
    text = str(value) if value not in ("", None) else "-"
    return textwrap.fill(text, width=100, initial_indent=f"  {name + ':':<16}", subsequent_indent=" " * 18)


def _cmd_show(args: argparse.Namespace) -> int:
    [lemma] = _lemmas([args.id])
    entries, origin = resolve_entries([lemma], args.profile, _record_path(args), progress=not args.no_progress)
    entry = entries[lemma.id]
    lemmas = registry()
    used_by = [other.id for other in lemmas.values() if lemma.id in other.uses]
    corrects = [other.id for other in lemmas.values() if lemma.id in other.corrected_by]
    measured = measured_by(lemma.id)
    status = entry["status"]
    if entry["counterexample_reproduced"]:
        status += " (stored counterexample reproduced)"
    lines = [
        f"{lemma.id}  [{lemma.label}]",
        lemma.title,
        "",
        _field("status", status),
        _field("coverage", _coverage_words(entry)),
        _field("status from", origin),
        _field("claim", "as written in the draft" if lemma.as_written else "added by the package"),
        _field("source", lemma.source),
        _field("draft's words", lemma.quote or "(none: a lemma the package adds)"),
        _field("statement", lemma.statement),
        _field("interpretation", lemma.interpretation),
        _field("assumptions", lemma.assumptions),
        _field("uses", lemma.uses),
        _field("used by", used_by),
        _field("corrected by", lemma.corrected_by),
        _field("corrects", corrects),
        _field("sims", measured["sims"]),
        _field("empirical", measured["empirical"]),
        "",
        "checks:",
    ]
    checks = [f"  - {check['name']} [{check['kind']}]: {check['description']}" for check in entry["checks"]]
    lines += checks or ["  (none)"]
    lines += ["", "evidence:"]
    lines += [f"  - {part}" for part in entry["evidence_summary"].split("; ")]
    for record in entry["evidence"]:
        if record.get("worst_case") is not None:
            lines.append(f"    worst case of {record['check']}: {json.dumps(record['worst_case'])}")
    if entry["counterexample"] is not None:
        lines += ["", f"counterexample: {json.dumps(entry['counterexample'])}"]
    if entry["problems"]:
        lines += ["", "problems:"] + [f"  - {problem}" for problem in entry["problems"]]
    lines += ["", "latest empirical measurement: " + _latest_measurement(lemma.id, args.results)]
    print("\n".join(lines))
    return 0


# ----------------------------------------------------------------------------- verify
def _cmd_verify(args: argparse.Namespace) -> int:
    _lemmas(args.only)  # unknown ids fail before any check runs
    record = run_verification(args.only, args.profile, progress=not args.no_progress, budget=args.budget)
    entries = record["lemmas"]
    rows = []
    for entry in entries:
        if entry["problems"]:
            result = "PROBLEM"
        elif entry["counterexample_reproduced"]:
            result = "ok: stored counterexample reproduced"
        else:
            result = "ok"
        rows.append((entry["id"], entry["status"], result, f"{entry['seconds']:.2f}"))
    print(format_table(("id", "status", "result", "seconds"), rows))
    problems = [problem for entry in entries for problem in entry["problems"]]
    if problems:
        print("\nproblems:")
        print("\n".join(f"  - {problem}" for problem in problems))
    merged = record
    if args.only and Path(args.record).is_file():
        try:
            merged = merge_records(read_record(args.record), record)
        except ValueError as error:
            print(f"warning: {error}; overwriting it", file=sys.stderr)
    path = write_record(merged, args.record)
    if merged is not record:
        print(
            f"\nkept the other {merged['merged']['kept']} lemma(s) of the previous record at {path} "
            "(same sources, same profile)"
        )
    profile = record["profile"]
    print(
        f"\n{len(entries)} lemmas under profile {profile['name']} (max_examples={profile['max_examples']}, "
        f"derandomize={profile['derandomize']}) in {record['summary']['seconds']:.1f} s: {_counts_line(entries)}; "
        f"{record['summary']['problems']} with problems.\n"
        f"record: {path} (commit {record['provenance']['git_commit']})"
    )
    print(_scorecard_line(merged["lemmas"]))
    if record["summary"]["budget_exhausted"]:
        print(
            f"the time budget of {args.budget:g} s ran out: {record['summary']['cases_skipped_for_budget']} drawn "
            f"case(s) skipped, {len(record['summary']['unchecked'])} lemma(s) not checked",
            file=sys.stderr,
        )
    return 1 if problems else 0


# ----------------------------------------------------------------------------- export and cite-check
def _cmd_export(args: argparse.Namespace) -> int:
    from theory.paper.export import export_all

    out_dir = Path(args.out_dir)
    if args.thorough:  # the thorough record only: the catalog and the LaTeX stay on the ci record
        record = run_verification(None, "thorough", progress=not args.no_progress, budget=args.budget)
        path = write_record(record, out_dir / THOROUGH_RECORD.name)
        print(
            f"wrote {path}: {_counts_line(record['lemmas'])}; {record['summary']['problems']} with problems "
            f"in {record['summary']['seconds']:.0f} s"
        )
        return 1 if record["summary"]["problems"] else 0
    if args.record:
        record = read_record(args.record)
    else:
        record = run_verification(None, args.profile or "ci", progress=not args.no_progress, budget=args.budget)
    tracked = out_dir / TRACKED_RECORD.name
    if not args.record or Path(args.record).resolve() != tracked.resolve():
        write_record(record, tracked)
    written = export_all(record, out_dir, record_name=tracked.as_posix())
    from theory.paper.claims import write_inventory

    written += write_inventory(out_dir / "claims.md")  # the claims inventory and readings table: one command
    readme = out_dir.resolve().parent / "README.md"  # the README beside docs/: its generated scorecard section
    from theory.paper.scorecard import rewrite_readme, scorecard_from_entries

    if rewrite_readme(readme, scorecard_from_entries(record["lemmas"])):
        written.append(readme)
    print("\n".join(f"wrote {path}" for path in [tracked, *written]))
    if record["summary"]["problems"]:
        print(
            f"{record['summary']['problems']} lemma(s) with problems: see `python -m theory show ID`", file=sys.stderr
        )
        return 1
    return 0


def _cmd_cite_check(args: argparse.Namespace) -> int:
    from theory.paper.cite_check import run_cite_check

    code, report = run_cite_check(
        args.paper, record_path=args.record, profile=args.profile, progress=not args.no_progress
    )
    print(report, file=sys.stdout if code == 0 else sys.stderr)
    return code


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m theory``."""
    parser = argparse.ArgumentParser(
        prog="python -m theory",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def profile_option(
        command: argparse.ArgumentParser, default: str = "dev, or $NONCOMMUTE_HYPOTHESIS_PROFILE, or ci when $CI is set"
    ) -> None:
        command.add_argument(
            "--profile",
            choices=sorted(PROFILES),
            default=None,
            help=f"Hypothesis profile for the checks (default: {default})",
        )
        command.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def record_option(command: argparse.ArgumentParser, evaluates: bool) -> None:
        command.add_argument(
            "--record",
            default=None,
            help=f"verification record to read (default {DEFAULT_RECORD}, else {TRACKED_RECORD})",
        )
        if evaluates:
            command.add_argument("--no-record", action="store_true", help="ignore the record: run the checks now")

    listing = commands.add_parser("list", help="table of lemmas: id, status, source, title")
    listing.add_argument("--json", action="store_true", help="print one JSON array, one object per lemma")
    listing.add_argument("--only", nargs="+", metavar="ID", help="only these lemmas")
    profile_option(listing)
    record_option(listing, evaluates=True)
    listing.set_defaults(handler=_cmd_list)

    show = commands.add_parser("show", help="everything about one lemma")
    show.add_argument("id", metavar="ID")
    show.add_argument("--results", default="results", help="folder of empirical results (default results)")
    profile_option(show)
    record_option(show, evaluates=True)
    show.set_defaults(handler=_cmd_show)

    verify = commands.add_parser("verify", help="run the checks and write the verification record")
    verify.add_argument(
        "--only",
        nargs="+",
        metavar="ID",
        help="only these lemmas (the others of a fresh record of the same profile at --out are kept)",
    )
    verify.add_argument(
        "--record",
        "--out",
        dest="record",
        default=str(DEFAULT_RECORD),
        help=f"record to write (default {DEFAULT_RECORD}; --out is the old name)",
    )
    verify.add_argument(
        "--budget",
        type=_budget,
        default=None,
        metavar="SECONDS",
        help="stop the search after this many seconds (default: none; the thorough profile "
        "takes over an hour on one core)",
    )
    profile_option(verify)
    verify.set_defaults(handler=_cmd_verify)

    export = commands.add_parser(
        "export",
        help="run the checks (profile ci) and write the tracked docs: "
        "verification.json, lemmas.md, latex/, the lemma graph and the "
        "README's scorecard",
    )
    export.add_argument(
        "--out",
        "--out-dir",
        dest="out_dir",
        default="docs",
        help="output folder (default docs; --out-dir is an old alias)",
    )
    export.add_argument("--record", default=None, help="render this verification record instead of running the checks")
    export.add_argument(
        "--thorough",
        action="store_true",
        help=f"run profile thorough and write {THOROUGH_RECORD.name} only (over an hour on one core)",
    )
    export.add_argument(
        "--budget",
        type=_budget,
        default=None,
        metavar="SECONDS",
        help="stop the search after this many seconds (default: none)",
    )
    profile_option(export, default="ci, derandomized: the tracked record is reproducible")
    export.set_defaults(handler=_cmd_export)

    cite = commands.add_parser("cite-check", help="fail if a paper cites an unknown, refuted or open lemma")
    cite.add_argument("paper", metavar="PAPER.tex")
    cite.add_argument("--record", default=None, help="verification record for the statuses (default: evaluate now)")
    profile_option(cite)
    cite.set_defaults(handler=_cmd_cite_check)

    from theory.paper.annotate import register_command as register_annotate

    register_annotate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring). Ctrl-C: one line, status 130;
    a write error (a full disk, a read-only folder): one line naming the path, status 2."""
    from theory.support.run_folder import guarded_main

    return guarded_main(lambda: _main(argv))


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except (UsageError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
