"""Running the notebooks and reporting on runs (never imported by a notebook): finding
notebooks and their parameters, planning, folders and locks, execution, the run record
(``run.json``), HTML pages, scenario files, sweeps, comparisons and ``refresh``."""
