"""tw-corpus: the pipeline that turns Taiwanese public text into an AI-ready corpus.

Data flows one way through the stages, each a DVC stage and a CLI subcommand:

    data/raw/<id>/  --ingest-->  data/interim/<id>/ingest.parquet  --publish-->  data/publish/

Stage logic is written as plain functions over Arrow record batches (see
``pipeline.core.batches``) so a distributed engine can run the same code later.
"""

__version__ = "0.1.0"
