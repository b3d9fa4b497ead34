"""``python -m sims``: see :mod:`sims.cli`."""

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import sys  # noqa: E402

from sims.cli import main  # noqa: E402

sys.exit(main())
