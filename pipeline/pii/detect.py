"""All detectors together: spans of personal data in a text, without overlaps."""

from __future__ import annotations

from bisect import bisect_left

from pipeline.pii.detectors import (address, birth_date, context_numbers, email, national_id, payment_card, person,
                                    phone)
from pipeline.pii.detectors.base import Detector, Span

# type -> placeholder used when the policy redacts it
PLACEHOLDERS = {
    "tw_id": "[TW_ID]",
    "tw_arc": "[TW_ARC]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "credit_card": "[CARD]",
    "passport": "[PASSPORT]",
    "nhi_card": "[NHI_CARD]",
    "address": "[ADDRESS]",
    "person": "[PERSON]",
    "official": "[OFFICIAL]",
    "birth_date": "[BIRTH_DATE]",
}
TYPES = tuple(PLACEHOLDERS)

# The rule detectors, in this order. On overlap the longer span wins; between equals, the
# earlier one in the text.
REGEX_DETECTORS: tuple[Detector, ...] = tuple(
    d for module in (email, national_id, payment_card, context_numbers, phone, address, person, birth_date)
    for d in module.DETECTORS)


def detect(text: str, extra: list[Span] | None = None) -> list[Span]:
    """Non-overlapping spans in text order. ``extra`` adds spans found elsewhere (NER names,
    told apart as private persons and officials by the same titles as the rules)."""
    found = [span for detector in REGEX_DETECTORS for span in detector.find(text)]
    found += [person.classify(text, span) for span in extra or []]
    # Longest first, so a short span (a name inside an address) never hides a longer one.
    found.sort(key=lambda s: (-(s.end - s.start), s.start))
    starts: list[int] = []  # the kept spans, by start (they never overlap, so ends sort alike)
    kept: list[Span] = []
    for span in found:
        i = bisect_left(starts, span.start)
        if (i < len(kept) and kept[i].start < span.end) or (i and kept[i - 1].end > span.start):
            continue
        starts.insert(i, span.start)
        kept.insert(i, span)
    return kept
