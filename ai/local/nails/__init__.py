"""Offline nail-design engines of the `local` provider: design rendering, estimation, comparison.

- render_design(spec) draws a deterministic PNG of 1, 5 or 10 nails from a DesignSpec;
- estimate_design(spec) gives minutes, materials and complexity;
- compare_designs(reference, actual, dimensions=) scores a finished manicure photo against its design, on the
  caller's dimensions (code → aspect);
- analyse(image, analysis_type) measures colours, style tags, nail shape (condition: "unknown").
"""

from .analysis import ANALYSERS, analyse, analyse_all
from .compare import NEUTRAL_CREATIVITY, Comparison, compare_designs
from .estimate import Estimate, estimate_design
from .render import RenderedDesign, render_design
from .spec import DesignSpec

__all__ = [
    "ANALYSERS",
    "NEUTRAL_CREATIVITY",
    "Comparison",
    "DesignSpec",
    "Estimate",
    "RenderedDesign",
    "analyse",
    "analyse_all",
    "compare_designs",
    "estimate_design",
    "render_design",
]
