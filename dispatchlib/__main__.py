"""``python -m dispatchlib``: the command line (see :mod:`dispatchlib.cli`)."""

import gc
import sys

from dispatchlib.cli import main

if __name__ == "__main__":  # not when a worker process (multiprocessing, Dask) re-imports it
    code = main()
    # At exit the interpreter collects garbage again and again as it empties every module, each
    # time walking all the objects the command imported (a run: some 120,000, of 1,200
    # modules), a third of a second. Frozen (gc.freeze), they are left out of those walks;
    # the modules are still emptied, open files closed and atexit handlers run as usual.
    gc.freeze()
    sys.exit(code)
