"""The ingest stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import SOURCE, Stage, register
from pipeline.core.schema import DOCUMENT_COLUMNS
from pipeline.ingest.params import IngestParams

register(
    Stage(
        name="ingest",
        order=10,
        scope=SOURCE,
        run="pipeline.ingest.stage:run",
        command="pipeline.ingest.cli:command",
        sections=(("ingest", IngestParams),),
        params=("ingest", "pii.policy", "licenses"),
        help="read data/raw/<SOURCE>/ into data/interim/<SOURCE>/ingest.parquet (documents) and ingest.rejects.parquet "
        "(everything that could not be read, with a reason).",
        arguments=(
            (
                ("--strict",),
                {
                    "action": "store_true",
                    "help": "exit non-zero when the manifest is invalid "
                    "(default: record the source as rejected and go on)",
                },
            ),
        ),
        columns=tuple(DOCUMENT_COLUMNS),
        card="pipeline.ingest.card:step",
    )
)
