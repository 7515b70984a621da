"""Offline segmenters for when no CKIP model can be had, one module each, registered by name
(``segment.fallback``).

Every token they produce is marked ``fallback:<name>`` in the ``segmenter`` column, and
the dataset card says so. Chosen by CKIP's own segmentation standard (Academia Sinica's),
not by UD Chinese GSD alone (see the README). A backend is a class with ``name``
(``fallback:<name>``), ``produces`` (the extra outputs it gives: none), ``fingerprint`` (for
the cache key) and ``segment(pieces) -> [{"tokens": [...]}, ...]``; it imports its library
in ``__init__``, so registering it costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.core.errors import UserError
from pipeline.core.registry import Registry

if TYPE_CHECKING:
    from pipeline.core.config import Params

FALLBACKS: Registry[Any] = Registry("fallback segmenter", package="pipeline.segment.fallbacks")


def check_params(params: Params, where: str) -> None:
    """``segment.fallback`` names a registered backend (run whenever params.yaml loads)."""
    names = FALLBACKS.names()
    if params.segment.fallback not in names:
        raise UserError(where, f"'segment.fallback' must be one of {', '.join(names)}, got '{params.segment.fallback}'")
