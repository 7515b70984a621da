"""mainland_vocabulary: Mainland terms / (Mainland + Taiwan terms) over ``max_mainland_share``,
judged only when the rule is on, the document was measured and it has ``regional_min_terms``
regional terms. Its part of the card is the regional vocabulary paragraph (``regional.card_section``),
drawn from the published documents, so it has no phrase in the rules' sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core.settings import SHARE
from pipeline.quality.rules import Measured, Threshold, rule

if TYPE_CHECKING:
    from pipeline.quality.params import QualityParams


@rule(
    "mainland_vocabulary",
    order=80,
    thresholds=(
        Threshold(
            "max_mainland_share",
            None,
            SHARE,
            "reject quality:mainland_vocabulary above this share of Mainland terms (軟件 vs 軟體); null: off",
            type=float | None,
        ),
        Threshold(
            "regional_min_terms",
            5,
            (1, 1_000_000),
            "Mainland + Taiwan terms a document needs before its share is judged",
        ),
    ),
    signals=("regional",),
)
def mainland_vocabulary(s: Measured, p: QualityParams) -> str | None:
    r = s["regional"]
    if p.max_mainland_share is None or r is None or r.mainland_share is None:
        return None
    terms = r.mainland_terms + r.taiwan_terms
    if terms >= p.regional_min_terms and r.mainland_share > p.max_mainland_share:
        return (
            f"Mainland terms are {r.mainland_share:.2f} of {terms} regional terms "
            f"({r.mainland_terms} Mainland, {r.taiwan_terms} Taiwan) > {p.max_mainland_share}"
        )
    return None
