"""Personal-data types and detectors are declared once, by the detector modules, and every
list of them (placeholders, the policy's keys and defaults, the card) is derived."""

from __future__ import annotations

import pytest
import yaml
from conftest import REPO

from pipeline.core.errors import UserError
from pipeline.core.settings import build
from pipeline.pii.detect import PLACEHOLDERS, REGEX_DETECTORS
from pipeline.pii.detectors.base import TYPES, Detector, PiiType, register
from pipeline.pii.params import PiiParams


def test_every_type_is_found_by_a_detector_and_declared_with_a_placeholder_and_a_default():
    found = {t for d in REGEX_DETECTORS for t in d.types}
    assert found == set(TYPES.names()) == set(PLACEHOLDERS)
    assert len(set(PLACEHOLDERS.values())) == len(PLACEHOLDERS)
    assert PiiParams().policy == {t.name: t.default for t in TYPES.values()}
    assert PiiParams().policy["official"] == "flag" and PiiParams().policy["tw_id"] == "redact"


def test_the_shipped_params_document_every_type_with_its_default():
    shipped = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["pii"]["policy"]
    assert shipped == {t.name: t.default for t in TYPES.values()}


def test_an_unknown_type_in_params_is_one_line_listing_the_registered_ones():
    with pytest.raises(UserError) as e:
        build(PiiParams, {"policy": {"tw_idd": "redact"}}, "params.yaml", "pii")
    assert str(e.value) == (
        "params.yaml: 'pii.policy.tw_idd': unknown type (nearest: tw_id, tw_arc); types: " + ", ".join(TYPES.names())
    )


def test_a_detector_must_declare_exactly_the_types_it_finds():
    with pytest.raises(ValueError, match="finds \\('x', 'y'\\) but declares \\['x'\\]"):
        register(
            Detector("xy", lambda text: iter(()), ("x", "y"), finds="", misses=""),
            order=999,
            types=((PiiType("x", "[X]"), 999),),
        )


def test_pii_and_the_shared_ckip_loading_never_import_the_segment_stage():
    """pii runs CKIP NER through pipeline/ckip/, which knows no stage."""
    import ast

    for package, banned in (("pii", ("pipeline.segment",)), ("ckip", ("pipeline.segment", "pipeline.pii"))):
        for path in (REPO / "pipeline" / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                assert not [n for n in names if n.startswith(banned)], f"{path.relative_to(REPO)} imports {names}"
