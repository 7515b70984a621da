"""Which code points are Han characters: one definition for every stage that counts them.

CJK Unified Ideographs and Extension A, the compatibility ideographs (normalize maps most
of them to unified ones, but a text may still hold them) and the supplementary planes'
Extensions B–G. Radicals, strokes and CJK punctuation are not Han characters here.
"""

from __future__ import annotations

HAN_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))

# The same ranges for a regular-expression character class: f"[{HAN_CLASS}]".
HAN_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HAN_RANGES)


def is_han(char: str) -> bool:
    cp = ord(char)
    return any(lo <= cp <= hi for lo, hi in HAN_RANGES)
