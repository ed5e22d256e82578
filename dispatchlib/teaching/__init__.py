"""Teaching: self-checks for exercises (:mod:`.selfcheck`), slider explorers
(:mod:`.explorers`), the figures a lesson and its explorer share (:mod:`.figures`) and the
student copies of the lessons (:mod:`.classroom`, ``python -m dispatchlib student``), and a
lesson's closing section in one call (:func:`.housekeeping.housekeeping`, ``dl.housekeeping``).

``dl.teaching.<name>`` gives every public name of the first three; importing this package loads
neither matplotlib nor ipywidgets.
"""

from dispatchlib.teaching.explorers import Choices, Slider, choices, explore, slider
from dispatchlib.teaching.figures import ramp_figure, reconciled_figure, revenue_figure
from dispatchlib.teaching.housekeeping import housekeeping
from dispatchlib.teaching.selfcheck import (
    EXPLORER_CLASS,
    HEADLESS_VARIABLES,
    frontend,
    headless,
)

__all__ = ["EXPLORER_CLASS", "HEADLESS_VARIABLES", "Choices", "Slider", "choices",
           "explore", "frontend", "headless", "housekeeping", "ramp_figure",
           "reconciled_figure", "revenue_figure", "slider"]
