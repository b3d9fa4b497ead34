"""``python -m empirical``: see :mod:`empirical.cli`."""

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import sys  # noqa: E402

from empirical.cli import main  # noqa: E402

sys.exit(main())
