"""The ``quality`` section of params.yaml: the thresholds of the quality rules. The quality contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, SHARE, Ranges


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the quality rules (pipeline/quality/rules/, one module each), measured in
    characters; each removal is a reject quality:<rule>."""

    min_chars: int = 10  # characters without whitespace (short poems are ~30)
    max_chars: int = 2_000_000
    # Han characters / letters (Han, Latin, Kana, Hangul), each letter counted; not normalize.min_han_share,
    # which counts a Latin word once (rules/han_share.py says both)
    min_han_share: float = 0.3
    # from this many Han characters a text is judged by its Chinese part (treaties, tariff lists)
    bilingual_han_chars: int = 300
    repetition_min_chars: int = 100  # the three repetition rules apply from this many characters
    max_dup_line_share: float = 0.7  # characters in lines that repeat an earlier line (gazette tables reach 0.65)
    top_ngram: int = 2  # n of the character n-gram whose coverage is measured
    # coverage of the most frequent character 2-gram, Gopher's way (gazette: up to 0.22)
    max_top_ngram_share: float = 0.3
    dup_ngram: int = 10
    # coverage of repeated character 10-grams (amendment tables, corrections: up to 0.91)
    max_dup_ngram_share: float = 0.95
    max_boilerplate_share: float = 0.3  # page furniture and navigation lines / lines
    # reject quality:mainland_vocabulary above this share of Mainland terms (軟件 vs 軟體); null: off
    max_mainland_share: float | None = None
    regional_min_terms: int = 5  # Mainland + Taiwan terms a document needs before its share is judged
    batch_size: int = 1000

    RANGES: ClassVar[Ranges] = {
        "min_chars": (0, 1_000_000_000),
        "max_chars": (1, 1_000_000_000),
        "min_han_share": SHARE,
        "bilingual_han_chars": (0, 1_000_000_000),
        "repetition_min_chars": (0, 1_000_000_000),
        "max_dup_line_share": SHARE,
        "top_ngram": (1, 10),
        "max_top_ngram_share": SHARE,
        "dup_ngram": (1, 100),
        "max_dup_ngram_share": SHARE,
        "max_boilerplate_share": SHARE,
        "max_mainland_share": SHARE,
        "regional_min_terms": (1, 1_000_000),
        "batch_size": ROWS,
    }

    def check(self, where: str, prefix: str) -> None:
        if self.min_chars > self.max_chars:
            raise UserError(where, f"'{prefix}.min_chars' is larger than '{prefix}.max_chars'")
