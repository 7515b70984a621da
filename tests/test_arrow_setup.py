"""pyarrow without an implied pandas (pipeline/core/arrow_setup.py), in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO


def run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_the_local_engine_keeps_pandas_out_of_the_process_and_pandas_still_works_when_asked():
    said = run(
        """
        import sys
        import numpy as np
        import pyarrow as pa
        from pipeline.core.config import default_params
        from pipeline.engine import engine_for

        assert type(engine_for(default_params())).__name__ == "LocalEngine"  # as every stage asks for it
        table = pa.table({"n": np.arange(3), "s": pa.array(["a", "b", None])})
        print("pandas" in sys.modules)
        import pandas as pd

        frame = table.to_pandas()
        back = pa.Table.from_pandas(pd.DataFrame({"x": [1, 2]}), preserve_index=False)
        print(frame["n"].tolist(), back.column("x").to_pylist(), pa.array(pd.Series([1.5])).type)
        """
    )
    assert said.splitlines() == ["False", "[0, 1, 2] [1, 2] double"]


def test_pandas_imported_before_is_left_as_it_is():
    said = run(
        """
        import pandas as pd
        import pyarrow as pa
        from pipeline.core.arrow_setup import without_implied_pandas

        without_implied_pandas()
        print(pa.array(pd.Series([1, 2])).type, pa.table(pd.DataFrame({"a": [1]})).num_rows)
        """
    )
    assert said == "int64 1"
