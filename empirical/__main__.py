"""``python -m empirical``: see :mod:`empirical.cli`."""

import sys

from empirical.cli import main

sys.exit(main())
