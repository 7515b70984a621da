"""The pii stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import SOURCE, Stage, register

register(Stage(
    name="pii", order=40, scope=SOURCE, run="pipeline.pii.stage:run",
    # names come from CKIP NER, loaded the way segment loads its models
    params=("pii", "segment.model", "segment.ner_model", "segment.strict", "segment.device", "segment.batch_size",
            "segment.batch_tokens", "segment.precision"),
    help="find Taiwan personal data (IDs, resident certificates, phones, e-mails, cards, passport and 健保卡 numbers, "
         "addresses, names with CKIP NER) and redact, flag or drop it by the policy in params.yaml.",
    summary=lambda m: f", personal data found: {', '.join(f'{k} {v}' for k, v in m['found'].items()) or 'none'}",
))
