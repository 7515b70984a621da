"""pyarrow without an implied pandas.

On its first array (``pa.array``, ``pa.table``, …) pyarrow looks whether pandas is installed,
to recognise DataFrames and Series it may be handed, and imports it when it is (``datasets``
and Ray bring it): 46 MiB of resident memory and a few tenths of a second in every process,
for nothing the pipeline does with Arrow. ``without_implied_pandas`` lets that one look find
no pandas, so pyarrow never looks again. pandas itself stays importable, and pyarrow's
explicit pandas calls (``Table.to_pandas``, ``Table.from_pandas``, a DataFrame given to
``pa.table``) import it when asked. Measured: the dedup stage's peak on its benchmark drops by
the 46 MiB (``benchmarks/dedup_memory.py``).
"""

from __future__ import annotations

import functools
import sys
from typing import Any


class _NoPandas:
    """A finder that says pandas is not installed (on the import system's path only while pyarrow looks)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@functools.cache  # pyarrow looks once per process: so does this (every stage asks for its engine)
def without_implied_pandas() -> None:
    """Let pyarrow's one look for pandas find none, unless pandas is imported already (then
    nothing is saved, and pyarrow keeps recognising its objects)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])  # the first array: pyarrow looks for pandas here, once per process
    finally:
        sys.meta_path.remove(finder)
