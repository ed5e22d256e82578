"""The model: pure arithmetic, no I/O. :mod:`.formulas` (revenue, savings, payback, with
domain checks) and :mod:`.scenario` (deterministic, Monte Carlo and sensitivity scenarios)."""
