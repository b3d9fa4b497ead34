"""Examples per second of every Hypothesis property in the lemma registry.

Each property runs ``--examples`` derandomized examples (as under the ``ci`` profile) in this
process; the table prints the rate and the time a ``thorough`` run (10,000 examples) would take.
Refuted claims are timed too: their property is run on its own, without the stored counterexample,
until Hypothesis breaks it (the time to find the counterexample is the figure of interest there).

    python benchmarks/bench_theory_properties.py [--examples 200] [--only ID ...]
"""

from __future__ import annotations

import argparse
import time

from hypothesis import settings

from theory.checking.profiles import PROFILES, register_profiles
from theory.checking.registry import PropertyCheck, registry
from theory.checking.status import run_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=200, help="examples per property (default 200)")
    parser.add_argument("--only", nargs="*", default=None, help="lemma ids to time (default: all)")
    args = parser.parse_args()

    register_profiles()
    settings.register_profile("bench", parent=settings.get_profile("ci"), max_examples=args.examples)
    settings.load_profile("bench")
    thorough = PROFILES["thorough"]["max_examples"]

    print(f"{'lemma':34s} {'check':24s} {'examples':>8s} {'ex/s':>9s} {'thorough (s)':>13s}  outcome")
    for lemma in registry().values():
        if args.only and lemma.id not in args.only:
            continue
        for check in lemma.checks:
            if not isinstance(check, PropertyCheck):
                continue
            started = time.perf_counter()
            record = run_check(check)
            elapsed = time.perf_counter() - started
            rate = record["examples"] / elapsed if elapsed > 0 else float("inf")
            outcome = "holds" if record["passed"] else "broken (counterexample found)"
            print(
                f"{lemma.id:34s} {check.name:24s} {record['examples']:8d} {rate:9.1f} {thorough / rate:13.1f}  {outcome}"
            )


if __name__ == "__main__":
    main()
