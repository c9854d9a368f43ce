"""What a finished service is scored on, and who hears that its comparison finished.

The studio is the core domain: services and their design-vs-result comparisons are its own. The ability centre
(``abilities``) is built on them (its records point at services) and decides the dimensions, so it plugs in
here from its ``AppConfig.ready``; the studio never imports it (tests/core/test_layers.py holds that). Without
a registered scorer a comparison is still made and stored, just not scored on any dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scorer:
    # The dimensions to score, in display order: objects with ``code``, ``name`` and ``description``.
    dimensions: Callable[[], Sequence] = list
    # Dimension code → the offline comparator's aspect that scores it (``ai.local.nails.compare.ASPECTS``).
    local_aspects: Mapping[str, str] = field(default_factory=dict)
    # Called with the stored ComparisonResult inside the transaction that stored it.
    comparison_finished: Callable[[object], None] = lambda comparison: None


_registered = Scorer()


def register(scorer: Scorer) -> None:
    global _registered
    _registered = scorer


def scorer() -> Scorer:
    return _registered
