"""``python -m dispatchlib``: the command line (see :mod:`dispatchlib.cli`)."""

import sys

from .cli import main

sys.exit(main())
