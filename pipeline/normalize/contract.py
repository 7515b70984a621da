"""The normalize stage as the pipeline knows it (pipeline/core/contract.py)."""

from pipeline.core.contract import SOURCE, Stage, register

register(Stage(
    name="normalize", order=20, scope=SOURCE, run="pipeline.normalize.stage:run", params=("normalize", "pii.policy"),
    help="clean Unicode, identify script and language from the characters, convert Simplified to Taiwan "
         "Traditional (OpenCC), reject languages not kept.",
    summary=lambda m: f", converted {sum(m['converted'].values())}",
))
