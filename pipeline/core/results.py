"""What a batch function returns: the rows it keeps, its rejects and its counts.

Its own module because both sides use it: the stages that make results
(``core/batch_stage.py``) and the engines that carry them back (``pipeline/engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipeline.core.tally import Tally


@dataclass
class BatchResult:
    kept: pa.RecordBatch
    rejects: list[dict[str, Any]] = field(default_factory=list)
    stats: Tally | None = None  # the batch's counts, added up by the driver


Transform = Callable[[pa.RecordBatch], BatchResult]
