"""Reading YAML with errors the user can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import UserError


def load_yaml(path: Path, shown_as: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(shown_as, "file not found") from None
    except UnicodeDecodeError as exc:
        raise UserError(shown_as, f"not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserError(shown_as, f"not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise UserError(shown_as, f"not valid YAML: {exc}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2026-02-30
        raise UserError(shown_as, f"not valid YAML: {exc}") from None
