"""``python -m theory``: the lemma registry's command line (see :mod:`theory.cli`)."""

from theory.cli import main

raise SystemExit(main())
