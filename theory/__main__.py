"""``python -m theory``: the lemma registry's command line (see :mod:`theory.cli`)."""

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

from theory.cli import main  # noqa: E402

raise SystemExit(main())
