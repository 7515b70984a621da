"""All detectors together: spans of personal data in a text, without overlaps."""

from __future__ import annotations

from bisect import bisect_left

from pipeline.pii.detectors.base import DETECTORS, TYPES, Span
from pipeline.pii.detectors.person import classify

# type -> placeholder used when the policy redacts it (declared with each type's detector)
PLACEHOLDERS = {t.name: t.placeholder for t in TYPES.values()}

# The rule detectors, in their registered order. On overlap the longer span wins; between
# equals, the earlier one in the text, then the earlier detector.
REGEX_DETECTORS = tuple(DETECTORS.values())


def detect(text: str, extra: list[Span] | None = None) -> list[Span]:
    """Non-overlapping spans in text order. ``extra`` adds spans found elsewhere (NER names,
    told apart as private persons and officials by the same titles as the rules)."""
    found = [span for detector in REGEX_DETECTORS for span in detector.find(text)]
    found += [classify(text, span) for span in extra or []]
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
