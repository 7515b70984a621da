"""The ``normalize`` section of params.yaml: Unicode clean-up, script and language. The normalize contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, SEED, SHARE, Ranges


@dataclass(frozen=True)
class CleanupParams:
    """Each Unicode clean-up step, on or off (pipeline/normalize/cleanup.py)."""

    mojibake: bool = True  # repair lines that are UTF-8 decoded as CP950/CP1252/Latin-1 (only when certain)
    compat_ideographs: bool = True  # CJK compatibility ideographs → unified ideographs
    nfc: bool = True  # Unicode NFC
    newlines: bool = True  # CRLF / CR → LF
    control_chars: bool = True  # control and zero-width characters removed (form feed → newline)
    fullwidth_alnum: bool = True  # Ａ１ → A1; full-width CJK punctuation stays
    page_numbers: bool = True  # lines that are only a page number (12, - 12 -, 第 3 頁, Page 3 of 9) removed
    broken_paragraphs: bool = True  # paragraphs split mid-sentence by a page break joined again
    spaces: bool = True  # runs of spaces collapsed, trailing spaces and extra blank lines removed


SIMPLIFIED_CONFIGS = ("s2twp", "s2tw", "s2t")
TRADITIONAL_CONFIGS = ("t2tw",)


@dataclass(frozen=True)
class NormalizeParams:
    batch_size: int = 1000
    cleanup: CleanupParams = field(default_factory=CleanupParams)  # each Unicode clean-up step, in the order they run
    # primary language subtags to publish; others are rejected as language:<tag>
    keep_languages: tuple[str, ...] = ("zh",)
    min_han_share: float = 0.5  # Han share of letters (a Latin word counts once) to call a text Chinese
    simplified_share: float = 0.5  # Simplified-only share of script-telling characters to call a text Simplified
    convert_simplified: str = "s2twp"  # OpenCC config for Simplified text (s2twp, s2tw or s2t)
    traditional_variants: str | None = None  # set to t2tw to normalize variants (裏→裡) in Traditional text
    langdetect_seed: int = 0  # langdetect is used only for text that is not mostly Han

    RANGES: ClassVar[Ranges] = {
        "batch_size": ROWS,
        "min_han_share": SHARE,
        "simplified_share": SHARE,
        "langdetect_seed": SEED,
    }

    def check(self, where: str, prefix: str) -> None:
        for key in ("min_han_share", "simplified_share"):
            if not 0 < getattr(self, key) <= 1:
                raise UserError(where, f"'{prefix}.{key}' must be in (0, 1]")
        if self.convert_simplified not in SIMPLIFIED_CONFIGS:
            raise UserError(
                where,
                f"'{prefix}.convert_simplified' must be one of {', '.join(SIMPLIFIED_CONFIGS)}"
                f" (never a config that also rewrites Traditional text), got '{self.convert_simplified}'",
            )
        if self.traditional_variants not in (None, *TRADITIONAL_CONFIGS):
            raise UserError(
                where, f"'{prefix}.traditional_variants' must be null or t2tw, got '{self.traditional_variants}'"
            )
        if not self.keep_languages:
            raise UserError(where, f"'{prefix}.keep_languages' must name at least one language")
