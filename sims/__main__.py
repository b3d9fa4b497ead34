"""``python -m sims``: see :mod:`sims.cli`."""

import sys

from sims.cli import main

sys.exit(main())
