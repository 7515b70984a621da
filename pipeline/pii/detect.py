"""All detectors together: spans of personal data in a text, without overlaps."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pipeline.pii.detectors import address, context_numbers, email, national_id, payment_card, phone
from pipeline.pii.detectors.base import Span

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
}
TYPES = tuple(PLACEHOLDERS)

# The regex detectors, in priority order: on overlap the longer span wins, then the earlier detector.
REGEX_DETECTORS: list[Callable[[str], Iterator[Span]]] = [
    email.find,
    national_id.find,
    payment_card.find,
    context_numbers.find_nhi_card,
    context_numbers.find_passport,
    phone.find,
    address.find,
]


def detect(text: str, extra: list[Span] | None = None) -> list[Span]:
    """Non-overlapping spans in text order. ``extra`` adds spans found elsewhere (NER names)."""
    found = [span for detector in REGEX_DETECTORS for span in detector(text)] + list(extra or [])
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in found:
        if kept and span.start < kept[-1].end:
            continue  # overlaps a longer or earlier span already kept
        kept.append(span)
    return kept
