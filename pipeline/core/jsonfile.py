"""Small JSON files (metrics, source info), written the same way every time.

Written whole or not at all (``pipeline.core.parquet.write_durably``: a unique temporary
file outside the DVC outputs, fsync, rename); a file that cannot be read back is one line
naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.core.errors import UserError
from pipeline.core.parquet import display, write_durably


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_json(path: Path, data: Any) -> None:
    write_durably(path, dumps(data).encode("utf-8"))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(display(path), f"not a readable JSON file ({exc}); delete it and run dvc repro") from None
