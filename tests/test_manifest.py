"""Source manifests: every mistake is one line that names the file and the field."""

from __future__ import annotations

import pytest
from conftest import add_source, manifest_for

from pipeline.cli import main
from pipeline.core.errors import UserError
from pipeline.core.licenses import load_registry
from pipeline.ingest.manifest import load_manifest

WHERE = "data/raw/agency/source.yaml"


def error_of(layout, overrides=None) -> str:
    with pytest.raises(UserError) as info:
        load_manifest(layout, "agency", load_registry(layout), overrides)
    return str(info.value)


def test_valid_manifest_is_read_with_its_options(layout):
    add_source(
        layout, "agency", {"a.csv": "內容\n文字\n"}, format="csv", csv={"text_column": "內容"}, collected="2026-11-27"
    )
    m = load_manifest(layout, "agency", load_registry(layout))
    assert (m.id, m.license, m.format, m.csv.text_column, m.collected) == (
        "agency",
        "CC0-1.0",
        "csv",
        "內容",
        "2026-11-27",
    )


@pytest.mark.parametrize("missing", ["id", "title", "publisher", "license", "url"])
def test_missing_required_field(layout, missing):
    data = manifest_for("agency")
    del data[missing]
    add_source(layout, "agency", {"a.txt": "文字"}, manifest=data)
    assert error_of(layout) == f"{WHERE}: missing required field '{missing}'"


def test_unknown_license_names_the_nearest_known_ids(layout):
    add_source(layout, "agency", {"a.txt": "文字"}, license="CC-BY-4")
    assert error_of(layout) == (
        f"{WHERE}: field 'license': unknown license 'CC-BY-4' (nearest: CC-BY-4.0, CC-BY-SA-4.0, CC-BY-ND-4.0); "
        "known licenses are listed in licenses/registry.yaml"
    )


def test_id_must_match_the_folder(layout):
    add_source(layout, "agency", {"a.txt": "文字"}, manifest=manifest_for("other-agency"))
    assert error_of(layout) == (
        f"{WHERE}: field 'id' is 'other-agency' but the folder is named 'agency'; they must match"
    )


def test_empty_field_url_scheme_and_unknown_format(layout):
    add_source(layout, "agency", {"a.txt": "文字"}, title="  ")
    assert error_of(layout) == f"{WHERE}: field 'title' is empty"
    layout.manifest("agency").write_text("id: agency\ntitle: t\npublisher: p\nlicense: CC0-1.0\nurl: example.gov.tw\n")
    assert error_of(layout) == f"{WHERE}: field 'url' must be an http(s) URL, got 'example.gov.tw'"
    layout.manifest("agency").write_text(
        "id: agency\ntitle: t\npublisher: p\nlicense: CC0-1.0\nurl: https://x.tw\nformat: jsonlines\n"
    )
    assert error_of(layout) == (
        f"{WHERE}: field 'format': unknown format 'jsonlines' (nearest: jsonl); "
        "known formats: csv, docx, html, jsonl, lawdb, markdown, odt, pdf, text, xml, zip"
    )


def test_unknown_key_and_wrong_type(layout):
    add_source(layout, "agency", {"a.txt": "文字"}, formt="csv")
    assert error_of(layout) == f"{WHERE}: unknown key 'formt' (nearest: format, formats)"
    layout.manifest("agency").write_text(
        "id: agency\ntitle: t\npublisher: p\nlicense: CC0-1.0\nurl: https://x.tw\nexclude: '*.pdf'\n"
    )
    assert error_of(layout) == f"{WHERE}: 'exclude' must be a list, got text ('*.pdf')"


def test_broken_yaml_and_missing_manifest(layout):
    add_source(layout, "agency", {"a.txt": "文字"}, manifest="id: agency\ntitle: [unclosed\n")
    assert error_of(layout).startswith(f"{WHERE}: not valid YAML at line 3, column 1")
    layout.manifest("agency").unlink()
    assert error_of(layout) == f"{WHERE}: missing: every source folder needs a source.yaml manifest"


def test_registration_overrides_are_validated_and_merged(layout):
    add_source(layout, "agency", {"a.csv": "body\nx\n"}, format="csv", csv={"text_column": "text", "delimiter": ";"})
    m = load_manifest(layout, "agency", load_registry(layout), {"csv": {"text_column": "body"}})
    assert (m.csv.text_column, m.csv.delimiter) == ("body", ";")
    assert error_of(layout, {"id": "x"}) == "configs/sources.yaml: sources.agency: cannot override 'id'"
    assert error_of(layout, {"licence": "CC0-1.0"}) == (
        "configs/sources.yaml: sources.agency: cannot override 'licence' (nearest: license, collected)"
    )


def test_validate_command_prints_one_line_and_exits_1(layout, capsys):
    add_source(layout, "agency", {"a.txt": "文字"}, license="CC-BY-4")
    assert main(["--root", str(layout.root), "validate", "agency"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"✗ agency: {WHERE}: field 'license': unknown license 'CC-BY-4' (nearest: "
        "CC-BY-4.0, CC-BY-SA-4.0, CC-BY-ND-4.0); known licenses are listed in licenses/registry.yaml"
    ]
    assert err == ""


def test_ingest_of_a_broken_manifest_prints_one_line_and_quarantines_the_files(layout, capsys):
    add_source(layout, "agency", {"a.txt": "文字", "b.txt": "更多文字"}, manifest=manifest_for("agency", url=None))
    assert main(["--root", str(layout.root), "--quiet", "ingest", "agency"]) == 0
    _, err = capsys.readouterr()
    assert err.splitlines() == [
        f"twcorpus: warning: {WHERE}: missing required field 'url' (every file of 'agency' is recorded as a reject; "
        "the source is left out of the release)"
    ]
    assert main(["--root", str(layout.root), "--quiet", "ingest", "agency", "--strict"]) == 2
