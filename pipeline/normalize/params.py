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

    mojibake: bool = True
    compat_ideographs: bool = True
    nfc: bool = True
    newlines: bool = True
    control_chars: bool = True
    fullwidth_alnum: bool = True
    page_numbers: bool = True
    broken_paragraphs: bool = True
    spaces: bool = True


SIMPLIFIED_CONFIGS = ("s2twp", "s2tw", "s2t")
TRADITIONAL_CONFIGS = ("t2tw",)


@dataclass(frozen=True)
class NormalizeParams:
    batch_size: int = 1000
    cleanup: CleanupParams = field(default_factory=CleanupParams)
    keep_languages: tuple[str, ...] = ("zh",)  # primary subtags; zh keeps zh-Hant and converted zh-Hans
    min_han_share: float = 0.5  # Han share of the letters (Latin words count once) to call a text Chinese
    simplified_share: float = 0.5  # Simplified-only share of the script-specific characters to call it Simplified
    convert_simplified: str = "s2twp"  # OpenCC config for Simplified documents
    traditional_variants: str | None = None  # optional OpenCC pass for Traditional documents (t2tw), off by default
    langdetect_seed: int = 0

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
