"""The ``quality`` section of params.yaml: the thresholds of the quality rules. The quality contract declares it
(``Stage.sections``); ``pipeline.core.settings.build`` validates it like every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.core.errors import UserError
from pipeline.core.settings import ROWS, SHARE, Ranges


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the quality rules (pipeline/quality/rules/, one module each, declaring the
    keys it reads); every removal is a reject quality:<rule>."""

    min_chars: int = 10  # characters without whitespace (a five-character quatrain line pair is 20)
    max_chars: int = 2_000_000
    # Han characters / letters (Han, Latin, Kana, Hangul), each letter counted, over the whole text; not
    # normalize.min_han_share, which counts a Latin word once (rules/han_share.py says both)
    min_han_share: float = 0.3
    bilingual_han_chars: int = 300  # a document with this many Han characters is judged by its Chinese part
    repetition_min_chars: int = 100  # the repetition rules below need this much text to mean anything
    max_dup_line_share: float = 0.7  # characters in repeated lines (Gopher: 0.3; gazette tables reach 0.65)
    top_ngram: int = 2  # n of the character n-gram whose coverage is measured
    max_top_ngram_share: float = 0.3  # Gopher's top 2-gram bound is 0.2 on words; gazette text reaches 0.22
    dup_ngram: int = 10
    max_dup_ngram_share: float = 0.95  # amendment comparison tables and corrections repeat their text: up to 0.91
    max_boilerplate_share: float = 0.3  # page furniture and navigation lines
    # Mainland terms / (Mainland + Taiwan terms) above which a document is rejected
    # quality:mainland_vocabulary; null: off (the share is measured and kept either way)
    max_mainland_share: float | None = None
    regional_min_terms: int = 5  # a document is judged on its share only from this many regional terms
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
