"""The columns the quality stage adds, derived from the records it measures: one struct field
per field of ``Signals`` (column ``quality``) and of ``Regional`` (column ``regional``), in
their order, so a new signal is a new field there and nothing else."""

from __future__ import annotations

import dataclasses
import typing

import pyarrow as pa

from pipeline.quality.regional import Regional
from pipeline.quality.signals import Signals

_ARROW = {int: pa.int64(), float: pa.float64()}


def _arrow_type(hint: typing.Any) -> pa.DataType:
    """int -> int64, float -> float64; ``float | None`` is a float64 that may be null."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return _ARROW[args[0] if args else hint]


def struct_of(record: type) -> pa.StructType:
    """The Arrow struct of a signals dataclass, field for field."""
    hints = typing.get_type_hints(record)
    return pa.struct([(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(record)])


QUALITY_SIGNALS = struct_of(Signals)
REGIONAL_SIGNALS = struct_of(Regional)
# Kept in the interim files so thresholds can be re-tuned and audited.
QUALITY_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("quality", QUALITY_SIGNALS, "Quality signals measured in characters (see the quality filters)."),
    (
        "regional",
        REGIONAL_SIGNALS,
        "Regional vocabulary: Mainland terms in Traditional script (軟件, 視頻) and their Taiwan forms (軟體, 影片) counted as whole words, mainland_share = Mainland / both (null when the text has neither), and variant_chars, the characters Taiwan writes otherwise (爲, 裏, 説); lexicon in pipeline/quality/regional_lexicon.tsv.",
    ),
]
