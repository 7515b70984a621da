"""The pii stage as the pipeline knows it (pipeline/core/contract.py)."""

import pyarrow as pa

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.pii.params import PiiParams

PII_SPAN = pa.struct([("type", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
PII_FIELD = pa.struct([("field", pa.string()), ("type", pa.string())])
# Added by pii. Offsets are into the published text: a redacted span covers its placeholder.
PII_COLUMNS = [
    (
        "pii",
        pa.list_(PII_SPAN),
        "Personal data found in the text: {type, start, end} with character offsets into `text`; a redacted item's span covers its placeholder (e.g. [TW_ID]).",
    ),
    ("pii_types", pa.list_(pa.string()), "Sorted unique types in `pii`."),
    (
        "sensitive",
        pa.list_(pa.string()),
        "Special categories of personal data (PDPA Art. 6) said of an identified private person in the text: medical, genetic, sexual_life, health_exam, criminal_record (empty: none found).",
    ),
    (
        "pii_fields",
        pa.list_(PII_FIELD),
        "Personal data found in `title`, `url`, `meta` and `source_file`, handled there by the same policy: {field, type}, one per item.",
    ),
]

register(
    Stage(
        name="pii",
        order=40,
        scope=SOURCE,
        plan="pipeline.pii.stage:plan",
        # names come from CKIP NER, loaded the way segment loads its models
        sections=(("pii", PiiParams),),
        params=(
            "pii",
            "segment.model",
            "segment.ner_model",
            "segment.strict",
            "segment.device",
            "segment.pieces_per_call",
            "segment.batch_tokens",
            "segment.precision",
        ),
        help="find Taiwan personal data (IDs, resident certificates, phones, e-mails, cards, passport and 健保卡 numbers, "
        "addresses, names with CKIP NER) and redact, flag or drop it by the policy in params.yaml.",
        summary=lambda m: f", personal data found: {', '.join(f'{k} {v}' for k, v in m['found'].items()) or 'none'}",
        columns=tuple(PII_COLUMNS),
        card="pipeline.pii.card:step",
    )
)
