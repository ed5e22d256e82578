"""``python -m dispatchlib``: the command line (see :mod:`dispatchlib.cli`)."""

import sys

from dispatchlib.cli import main

if __name__ == "__main__":  # not when a worker process (multiprocessing, Dask) re-imports it
    sys.exit(main())
