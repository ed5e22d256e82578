"""The scenario engine: one deterministic scenario, Monte Carlo over documented ranges, and
one-way sensitivity for a tornado chart.

A scenario is five uncertain inputs, each a :class:`Range` (low, central, high):

========================  ==========================  =========================================
input                     unit                        default (``data/assumptions.csv``)
========================  ==========================  =========================================
``workers``               persons                     the 2025 stock, about 15,000
``annual_quota_usd``      USD per worker per year     $6,500 over 8 months = $9,750
``savings_usd``           USD per worker per year     about $1,500
``years_abroad``          years                       3 (3 to 5)
``bribe_usd``             USD                         $400
========================  ==========================  =========================================

**What your values do.** The number of workers is a scenario choice: a value you give is held
fixed. The per-worker inputs are uncertain: a value you give becomes the most likely value (the
mode) of that input, and the documented low and high ends stay, widened where needed to include
your value. Inputs you leave out keep their documented range.

**Monte Carlo distribution.** Each input is drawn independently from a triangular distribution
with minimum ``low``, mode ``central`` and maximum ``high`` (a constant where low = high), by
inverse-CDF sampling of ``numpy.random.default_rng(seed)`` uniforms, one row per input in the
fixed order above. The same seed and draws therefore give the same numbers on any machine and
in any order of runs. The triangle is a statement of ignorance, not of knowledge: it only says
the central figure is the most plausible and the ends are possible.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from dispatchlib.model import formulas
from dispatchlib.params import SPECS, check
from dispatchlib.params import unknown as unknown_name
from dispatchlib.tables.data import assumption

if TYPE_CHECKING:  # pandas loads only with the functions that return tables (not for report)
    import pandas as pd

INPUTS = ("workers", "annual_quota_usd", "savings_usd", "years_abroad", "bribe_usd")
OUTPUTS = ("workers", "annual_quota_usd", "state_revenue_usd", "household_savings_usd",
           "returnee_capital_usd", "bribe_payback_months")
#: units of what is not a parameter of the registry (``dispatchlib/parameters.json`` gives the
#: units of the inputs that are: workers, savings_usd, years_abroad, bribe_usd)
_OWN_UNITS = {
    "annual_quota_usd": "USD per worker per year",
    "state_revenue_usd": "USD per year",
    "household_savings_usd": "USD per year",
    "returnee_capital_usd": "USD per returnee",
    "bribe_payback_months": "months",
}
#: the unit of every input and output
UNITS = {name: SPECS[name].unit if name in SPECS else _OWN_UNITS[name]
         for name in dict.fromkeys((*INPUTS, *OUTPUTS))}


def labels(_=str) -> dict[str, str]:
    """The name of every input and output in words, each through ``_``:
    ``str`` (the default) gives the English, ``dispatchlib.i18n._`` the current language
    (:func:`label_of`)."""
    return {
        "workers": _("Workers in Russia"),
        "annual_quota_usd": _("Quota paid to the state per worker"),
        "savings_usd": _("Savings per worker"),
        "years_abroad": _("Years abroad"),
        "bribe_usd": _("Bribe for a posting"),
        "state_revenue_usd": _("State revenue"),
        "household_savings_usd": _("Household savings"),
        "returnee_capital_usd": _("Capital per returnee"),
        "bribe_payback_months": _("Months to repay the bribe"),
    }


#: the name of every input and output in words (English)
LABELS = labels()


def label_of(name: str, lower: bool = False) -> str:
    """The words for an input or output (:data:`LABELS`) in the current language; ``lower``
    lowers the first letter in English (mid-sentence use). An unknown name is returned as is."""
    from dispatchlib.i18n import _, current_language

    text = labels(_).get(name, name)
    return text.lower() if lower and current_language() == "en" else text


def unit_of(name: str) -> str:
    """The unit of an input or output (:data:`UNITS`) in the current language ("" if none)."""
    from dispatchlib.formatting import unit_text

    return unit_text(UNITS.get(name, ""))
PERCENTILES = (5, 50, 95)
BUILD_INPUTS = ("workers", "quota_usd", "quota_months", "savings_usd", "years_abroad",
                "bribe_usd")
"""The keywords of :func:`build`."""


@dataclass(frozen=True)
class Range:
    """An uncertain quantity: low, central and high values (low <= central <= high)."""

    low: float
    central: float
    high: float

    def __post_init__(self):
        if not self.low <= self.central <= self.high:
            raise ValueError(f"range not ordered: {self.low} <= {self.central} <= {self.high}")

    @classmethod
    def point(cls, value: float) -> Range:
        """A range with no spread."""
        return cls(value, value, value)

    def with_mode(self, central: float) -> Range:
        """A new central value; the ends widen where needed to include it."""
        return Range(min(self.low, central), central, max(self.high, central))


@dataclass(frozen=True)
class Scenario:
    """Five uncertain inputs of the dispatch economy (units in the module docstring)."""

    workers: Range
    annual_quota_usd: Range
    savings_usd: Range
    years_abroad: Range
    bribe_usd: Range

    def central(self) -> dict[str, float]:
        """Central value of every input."""
        return {name: getattr(self, name).central for name in INPUTS}

    def table(self) -> pd.DataFrame:
        """The inputs as a table: low, central, high and unit."""
        import pandas as pd

        rows = {name: asdict(getattr(self, name)) for name in INPUTS}
        frame = pd.DataFrame(rows).T[["low", "central", "high"]]
        frame["unit"] = [UNITS[n] for n in INPUTS]
        return frame


def documented() -> Scenario:
    """The scenario of ``data/assumptions.csv``: each input's documented low, central, high."""
    return Scenario(**{name: Range(*assumption(name)) for name in INPUTS})


def build(workers: float | None = None, quota_usd: float | None = None,
          quota_months: float | None = None, savings_usd: float | None = None,
          years_abroad: float | None = None, bribe_usd: float | None = None,
          **unknown: object) -> Scenario:
    """A scenario from parameter values; ``None`` keeps the documented value.

    Parameters
    ----------
    workers : int, optional
        Workers in Russia, persons.
    quota_usd, quota_months : float, optional
        Paid to the state over ``quota_months`` months, USD per worker. Either one given sets
        the central annual quota to ``quota_usd / quota_months * 12`` (the other one from the
        brief: $6,500 and 8 months).
    savings_usd : float, optional
        Saved per worker per year, USD.
    years_abroad : float, optional
        Length of a posting, years.
    bribe_usd : float, optional
        Bribe for a posting, USD.

    Returns
    -------
    Scenario
        ``workers``, if given, is held fixed; any other value given becomes the central value
        of its input, whose documented low and high ends widen to include it.

    Raises
    ------
    ParameterError
        If a value is of the wrong type or out of its allowed range, or for a keyword that is
        none of the above (naming the closest one: ``worker`` suggests ``workers``).
    """
    for name, value in unknown.items():
        raise unknown_name(name, BUILD_INPUTS, value)
    given = {k: v for k, v in dict(workers=workers, quota_usd=quota_usd,
                                    quota_months=quota_months, savings_usd=savings_usd,
                                    years_abroad=years_abroad, bribe_usd=bribe_usd).items()
             if v is not None}
    p = vars(check(**given))
    base = documented()
    changes = {k: getattr(base, k).with_mode(p[k])
               for k in ("savings_usd", "years_abroad", "bribe_usd") if k in p}
    if "workers" in p:
        changes["workers"] = Range.point(p["workers"])
    if "quota_usd" in p or "quota_months" in p:
        amount = p.get("quota_usd", assumption("quota_amount_usd")[1])
        months = p.get("quota_months", assumption("quota_months")[1])
        annual = float(formulas.annual_quota(amount, months))
        changes["annual_quota_usd"] = base.annual_quota_usd.with_mode(annual)
    return replace(base, **changes)


def evaluate(workers, annual_quota_usd, savings_usd, years_abroad, bribe_usd) -> dict:
    """All outputs for given inputs (scalars or arrays), through :mod:`dispatchlib.formulas`.

    Returns
    -------
    dict of numpy.ndarray
        Keys of :data:`OUTPUTS`; units in :data:`UNITS`.
    """
    return {
        "workers": np.asarray(workers, dtype=float),
        "annual_quota_usd": np.asarray(annual_quota_usd, dtype=float),
        "state_revenue_usd": formulas.state_revenue(workers, annual_quota_usd),
        "household_savings_usd": formulas.household_savings(workers, savings_usd),
        "returnee_capital_usd": formulas.returnee_capital(savings_usd, years_abroad),
        "bribe_payback_months": formulas.bribe_payback_months(bribe_usd, savings_usd),
    }


def deterministic(s: Scenario) -> dict[str, float]:
    """Outputs at the central value of every input."""
    return {k: float(v) for k, v in evaluate(**s.central()).items()}


def triangular(u: np.ndarray, r: Range) -> np.ndarray:
    """Map uniforms ``u`` in [0, 1) to a triangular(low, central, high) distribution.

    Inverse-CDF sampling; a range without spread gives a constant.
    """
    a, c, b = r.low, r.central, r.high
    if b == a:
        return np.full_like(u, a, dtype=float)
    split = (c - a) / (b - a)
    # left = a + sqrt(u (b - a) (c - a)), right = b - sqrt((1 - u) (b - a) (b - c)), computed
    # in place in the same order of operations (a million draws: two arrays instead of eight)
    left = np.multiply(u, b - a, dtype=float)
    left *= c - a
    np.sqrt(left, out=left)
    left += a
    right = np.subtract(1, u, dtype=float)
    right *= b - a
    right *= b - c
    np.sqrt(right, out=right)
    np.subtract(b, right, out=right)
    np.copyto(right, left, where=u < split)
    # rounding can put a draw a hair outside [a, b] (e.g. 1.0999999999999943 for a = 1.1)
    return np.clip(right, a, b, out=right)


def draw_ranges(ranges: dict[str, Range], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draw each named range independently from its triangular distribution.

    One ``numpy.random.default_rng(seed)`` matrix of uniforms, one row per range in the order
    given, mapped by :func:`triangular`: the same seed, draws and order give the same numbers.
    """
    check(draws=draws, seed=seed)
    u = np.random.default_rng(seed).random((len(ranges), draws))
    return {name: triangular(u[i], r) for i, (name, r) in enumerate(ranges.items())}


def draw_inputs(s: Scenario, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draw every input of a scenario (see module notes), in the order of :data:`INPUTS`."""
    return draw_ranges({name: getattr(s, name) for name in INPUTS}, draws, seed)


def monte_carlo(s: Scenario, draws: int = 10_000, seed: int = 2025) -> pd.DataFrame:
    """Monte Carlo draws of every input and output.

    Parameters
    ----------
    s : Scenario
        The inputs with their ranges.
    draws : int
        Number of draws.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        One row per draw; columns: the inputs and the outputs (units in :data:`UNITS`).
    """
    import pandas as pd

    x = draw_inputs(s, draws, seed)
    out = evaluate(**x)
    out.update({k: x[k] for k in ("savings_usd", "years_abroad", "bribe_usd")})
    return pd.DataFrame(out)


def summarize(draws: pd.DataFrame, percentiles=PERCENTILES) -> pd.DataFrame:
    """Percentiles of each output column: one row per output, columns ``p5``, ``p50``, ``p95``.

    Returns
    -------
    Summary
        A ``pandas.DataFrame`` of numbers (units in :data:`UNITS`) that prints readably, as
        :func:`formatted` shows it (``15,287``, not ``1.528725e+04``, with a unit column); the
        values themselves stay numbers (``.at["workers", "p50"]``).
    """
    cols = [c for c in OUTPUTS if c in draws]
    values = np.percentile(draws[cols].to_numpy(), percentiles, axis=0).T
    return _summary_class()(values, index=cols, columns=[f"p{p:g}" for p in percentiles])


@functools.cache
def _summary_class() -> type:
    """The :class:`Summary` type, made on first use (so that importing this module does not
    import pandas)."""
    import pandas as pd

    class Summary(pd.DataFrame):
        """Percentiles of the outputs: numbers that print with separators and units."""

        @property
        def _constructor(self):
            return pd.DataFrame  # a slice or a sum is a plain DataFrame

        def __repr__(self) -> str:
            return formatted(self).to_string()

        def _repr_html_(self) -> str:
            return formatted(self).to_html()

    Summary.__module__, Summary.__qualname__ = __name__, "Summary"
    return Summary


def __getattr__(name: str):
    if name == "Summary":  # ``dispatchlib.scenario.Summary``, for isinstance and pickle
        return _summary_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def formatted(summary: pd.DataFrame) -> pd.DataFrame:
    """A percentile table as text for printing: thousands separators, one decimal below 100,
    and a unit column."""
    def fmt(x: float) -> str:
        return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"

    out = summary.map(fmt)
    out["unit"] = [unit_of(i) for i in summary.index]
    return out


def sensitivity(s: Scenario, output: str = "state_revenue_usd") -> pd.DataFrame:
    """One-way sensitivity: the output with each input at its low and high end, others central.

    Returns
    -------
    pandas.DataFrame
        Index: input names, sorted by swing (largest first). Columns: ``low``, ``high`` (the
        input's ends), ``at_low``, ``at_high`` (the output there), ``swing`` (|at_high - at_low|)
        and ``base`` (the output with every input central).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    import pandas as pd

    centre = s.central()
    base = float(evaluate(**centre)[output])
    rows = []
    for name in INPUTS:
        r = getattr(s, name)
        at = [float(evaluate(**{**centre, name: end})[output]) for end in (r.low, r.high)]
        rows.append({"input": name, "low": r.low, "high": r.high, "at_low": at[0],
                     "at_high": at[1], "swing": abs(at[1] - at[0]), "base": base})
    return pd.DataFrame(rows).set_index("input").sort_values("swing", ascending=False)


def revenue_by_workers(grid, s: Scenario, draws: int = 10_000, seed: int = 2025,
                       percentiles=(5, 25, 50, 75, 95)) -> pd.DataFrame:
    """State revenue across a grid of worker numbers, with Monte Carlo percentiles.

    At a fixed number of workers revenue is ``workers * quota``, so its percentiles are those of
    the quota draws times the number of workers.

    Parameters
    ----------
    grid : array_like
        Worker numbers, persons.
    s : Scenario
        Supplies the quota range.

    Returns
    -------
    pandas.DataFrame
        Index ``workers``; one column per percentile (``p5`` ...), USD per year.
    """
    import pandas as pd

    quota = draw_inputs(s, draws, seed)["annual_quota_usd"]
    q = np.percentile(quota, percentiles)
    grid = np.asarray(grid, dtype=float)
    frame = pd.DataFrame(np.outer(grid, q), columns=[f"p{p:g}" for p in percentiles])
    frame.index = pd.Index(grid, name="workers")
    return frame


def report(s: Scenario, draws: int | None = None, seed: int = 2025) -> dict:
    """The scenario's headline numbers as a flat dict (what ``scenario --json`` prints).

    Keys of :data:`OUTPUTS` hold central values; with ``draws``, ``<key>_p5``, ``<key>_p50``
    and ``<key>_p95`` hold Monte Carlo percentiles. ``units`` and ``inputs`` describe them.
    """
    out: dict = deterministic(s)
    if draws:
        # the percentiles of summarize(monte_carlo(...)), without building the table
        values = evaluate(**draw_inputs(s, draws, seed))
        for key in OUTPUTS:
            for p, q in zip(PERCENTILES, np.percentile(values[key], PERCENTILES), strict=True):
                out[f"{key}_p{p:g}"] = float(q)
        out["draws"], out["seed"] = draws, seed
    out["units"] = {k: UNITS[k] for k in OUTPUTS}
    out["inputs"] = {k: asdict(getattr(s, k)) for k in INPUTS}
    return out
