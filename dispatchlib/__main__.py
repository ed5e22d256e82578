"""``python -m dispatchlib``: the command line (see :mod:`dispatchlib.cli`)."""

import sys

from dispatchlib.cli import main

sys.exit(main())
