"""HTML to text: which parser, measured on the real development gazette.

Every HTML fragment the XML reader hands to ``markup.html_to_text`` for the ten real
Executive Yuan Gazette files (``../shared/real/ey-gazette/*.xml``, the manifest of
``data/raw/ey-gazette/source.yaml``: 314 ``HTMLContent`` fields), plus every HTML string
literal of ``tests/test_readers_markup.py``, is turned into text by each candidate:

* ``stdlib``: the standard library's ``html.parser`` with the project's rules, exactly as
  they were before lexbor (``pipeline/ingest/readers/markup.py`` at ``BASELINE``, read with
  ``git show``): the baseline of every ratio and of "identical";
* ``selectolax``: lexbor through selectolax, the walk in ``markup.py`` today (the one chosen);
* ``lxml``, ``html5-parser``, ``resiliparse``: the same rules (the baseline's own
  ``handle_starttag``/``handle_data``/``handle_endtag``) fed from the tree each parser
  builds, so that their text shows what the parser changes; their time also carries those
  Python rules, so ``parse only`` (the parser alone, no text) is given too: no walk can be
  faster than that.

For each: seconds over all fragments (best of ``--repeat``), characters of HTML per second,
the ratio to stdlib measured in the same run, and how many fragments give exactly the
baseline's text and title, with a few differences shown. Last, a whole ``twcorpus ingest``
of the ten files (in-process, on a temporary layout) with the baseline's ``html_to_text``
and with today's, alternated ``--repeat`` times, best of each; their documents must match.

    .venv/bin/python benchmarks/html_parsers.py
    # the other candidates, installed apart (never into .venv):
    pip install --target /tmp/htmlcand lxml==6.1.3 resiliparse==2.0.1
    # html5-parser has no wheel; built from source it needs an lxml built on the same libxml2:
    pip install --target /tmp/htmlcand-h5 --no-binary lxml,html5-parser lxml==6.1.3 html5-parser==0.5.0
    .venv/bin/python benchmarks/html_parsers.py --path /tmp/htmlcand-h5:/tmp/htmlcand

``--no-ingest`` skips the ingest timing; ``--diffs N`` shows N differing fragments per
candidate (default 3).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REAL = REPO.parent / "shared" / "real" / "ey-gazette"
BASELINE = "f917e8ff5c1339d09b17102bd2cb90b38a8e1ae1"  # the last markup.py on html.parser


def baseline_module() -> types.ModuleType:
    if "markup_stdlib" in sys.modules:
        return sys.modules["markup_stdlib"]
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{BASELINE}:pipeline/ingest/readers/markup.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("markup_stdlib")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "markup_stdlib.py", "exec"), module.__dict__)  # noqa: S102 - our own file at a commit
    return module


def fragments() -> tuple[list[str], int]:
    """The gazette's HTML fields as the XML reader passes them, then the tests' HTML strings."""
    import yaml

    from pipeline.ingest.manifest import Manifest, XmlOptions
    from pipeline.ingest.readers import xml as xml_reader

    xml = yaml.safe_load((REPO / "data/raw/ey-gazette/source.yaml").read_text())["xml"]
    options = XmlOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in xml.items()})
    manifest = Manifest(
        id="ey-gazette", title="t", publisher="p", license="OGDL-Taiwan-1.0", url="https://x", xml=options
    )
    seen: list[str] = []
    real = xml_reader.html_to_text
    xml_reader.html_to_text = lambda html: (seen.append(html), real(html))[1]
    try:
        for path in sorted(REAL.glob("*.xml")):
            list(xml_reader.read_xml(path, manifest))
    finally:
        xml_reader.html_to_text = real
    gazette = len(seen)
    tree = ast.parse((REPO / "tests/test_readers_markup.py").read_text())
    for node in ast.walk(tree):  # the HTML the tests give html_to_text / parse_html
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("html_to_text", "parse_html"):
            values = node.args[:1]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in ("html", "PAGE") for t in node.targets):
            values = [node.value]
        else:
            continue
        seen.extend(v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return seen, gazette


# --- candidates: the baseline's rules fed from another parser's tree -------------------


def fed(base: types.ModuleType, events) -> tuple[str, str | None]:
    extractor = base._Extractor()
    try:
        events(extractor)
    except Exception:  # noqa: BLE001 - as the baseline: keep what was found
        pass
    return extractor.text(), extractor.title()


def lxml_events(tree, x) -> None:
    from lxml import etree

    for event, el in etree.iterwalk(tree, events=("start", "end")):
        if not isinstance(el.tag, str):  # comments, processing instructions: only their tail is text
            if event == "end" and el.tail:
                x.handle_data(el.tail)
            continue
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if event == "start":
            x.handle_starttag(tag, list(el.attrib.items()))
            if el.text:
                x.handle_data(el.text)
        else:
            if tag not in base_void:
                x.handle_endtag(tag)
            if el.tail:
                x.handle_data(el.tail)


base_void: frozenset[str] = frozenset()


def candidates(base: types.ModuleType) -> dict[str, tuple[str, object, object]]:
    """name -> (version, html_to_text, parse only)."""
    from importlib.metadata import version

    import selectolax.lexbor

    from pipeline.ingest.readers import markup

    found = {
        "stdlib": (sys.version.split()[0], base.html_to_text, lambda h: base.HTMLParser(convert_charrefs=True).feed(h)),
        "selectolax": (version("selectolax"), markup.html_to_text, lambda h: selectolax.lexbor.LexborHTMLParser(h)),
    }
    try:
        from lxml import etree

        parser = etree.HTMLParser(encoding="utf-8")

        def lxml_text(html: str) -> tuple[str, str | None]:
            tree = etree.fromstring(html.encode(), parser) if html.strip() else None
            return fed(base, lambda x: tree is not None and lxml_events(tree, x))

        found["lxml"] = (version("lxml"), lxml_text, lambda h: h.strip() and etree.fromstring(h.encode(), parser))
    except ImportError:
        pass
    try:
        import html5_parser

        def html5_text(html: str) -> tuple[str, str | None]:
            return fed(base, lambda x: lxml_events(html5_parser.parse(html), x))

        found["html5-parser"] = (version("html5-parser"), html5_text, lambda h: html5_parser.parse(h))
    except (ImportError, RuntimeError) as exc:  # RuntimeError: its libxml2 is not lxml's
        print(f"html5-parser: not measured ({type(exc).__name__}: {str(exc)[:100]})")
    try:
        from resiliparse.parse.html import HTMLTree, NodeType, traverse_dom

        def resiliparse_text(html: str) -> tuple[str, str | None]:
            def events(x) -> None:
                def start(ctx) -> None:
                    node = ctx.node
                    if node.type == NodeType.ELEMENT:
                        x.handle_starttag(node.tag, [(a, node.getattr(a)) for a in node.attrs])
                    elif node.type == NodeType.TEXT:
                        x.handle_data(node.text)

                def end(ctx) -> None:
                    node = ctx.node
                    if node.type == NodeType.ELEMENT and node.tag not in base_void:
                        x.handle_endtag(node.tag)

                traverse_dom(HTMLTree.parse(html).document, start, end)

            return fed(base, events)

        found["resiliparse"] = (version("resiliparse"), resiliparse_text, lambda h: HTMLTree.parse(h))
    except ImportError:
        pass
    return found


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(args: argparse.Namespace) -> None:
    global base_void
    base = baseline_module()
    base_void = base._VOID
    html, gazette = fragments()
    chars = sum(map(len, html))
    print(
        f"{len(html)} fragments ({gazette} from the {len(list(REAL.glob('*.xml')))} gazette files, "
        f"{len(html) - gazette} from the tests), {chars:,} characters, "
        f"{sum(h.count('<') for h in html):,} '<'"
    )
    found = candidates(base)
    reference = [found["stdlib"][1](h) for h in html]
    rows = []
    for name, (ver, to_text, parse_only) in found.items():
        outputs: list = []
        # best_of calls each lambda at once, inside this iteration: the loop variables are the current ones
        seconds = best_of(args.repeat, lambda: outputs.__setitem__(slice(None), [to_text(h) for h in html]))  # noqa: B023 (called now)
        parse = best_of(args.repeat, lambda: [parse_only(h) for h in html])  # noqa: B023 (called now)
        same = [i for i, (a, b) in enumerate(zip(outputs, reference)) if a == b]
        same_gazette = sum(1 for i in same if i < gazette)
        rows.append((name, ver, seconds, parse, same_gazette, len(same) - same_gazette))
        differing = [i for i in range(len(html)) if i not in set(same)]
        for i in differing[: args.diffs]:
            where = f"gazette #{i}" if i < gazette else f"test string #{i - gazette}"
            print(f"--- {name}: {where} differs")
            if outputs[i][1] != reference[i][1]:
                print(f"  title: {reference[i][1]!r} -> {outputs[i][1]!r}")
            for line in list(
                difflib.unified_diff(
                    reference[i][0].splitlines(), outputs[i][0].splitlines(), "stdlib", name, n=1, lineterm=""
                )
            )[2:14]:
                print("  " + line[:160])
    stdlib = rows[0][2]
    print(
        f"\n| candidate | version | seconds | parse only | chars/s | vs stdlib | identical: gazette /{gazette}, "
        f"tests /{len(html) - gazette} |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, ver, seconds, parse, same_gazette, same_tests in rows:
        print(
            f"| {name} | {ver} | {seconds:.2f} | {parse:.2f} | {chars / seconds / 1e6:.1f} M | "
            f"{stdlib / seconds:.1f}× | {same_gazette} / {same_tests} |"
        )


def ingest(args: argparse.Namespace) -> None:
    import pyarrow.parquet as pq
    from ingest_speed import layout  # a sibling script: its folder is on sys.path

    from pipeline.cli import main
    from pipeline.ingest.readers import markup
    from pipeline.ingest.readers import xml as xml_reader

    base = baseline_module()
    with tempfile.TemporaryDirectory(prefix="html-parsers-") as tmp:
        root = Path(tmp)
        layout(root, REPO)
        out = root / "data/interim/ey-gazette/ingest.parquet"
        times: dict[str, list[float]] = {"stdlib": [], "selectolax": []}
        texts = {}
        for _ in range(args.repeat):
            for name, to_text in (("stdlib", base.html_to_text), ("selectolax", markup.html_to_text)):
                xml_reader.html_to_text = to_text
                start = time.perf_counter()
                main(["--root", str(root), "--quiet", "ingest", "ey-gazette"])
                times[name].append(time.perf_counter() - start)
                texts[name] = pq.read_table(out, columns=["source_file", "source_line", "text"]).to_pylist()
        xml_reader.html_to_text = markup.html_to_text
    before, after = min(times["stdlib"]), min(times["selectolax"])
    same = sum(a == b for a, b in zip(texts["stdlib"], texts["selectolax"]))
    print(
        f"\ningest of the {len(list(REAL.glob('*.xml')))} gazette files, in-process, best of {args.repeat}: "
        f"stdlib {before:.2f} s, selectolax {after:.2f} s: {before / after:.1f}× faster; documents "
        f"{len(texts['stdlib'])} vs {len(texts['selectolax'])}, identical text {same}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="", help="folders to put first on sys.path (the candidates), ':'-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--diffs", type=int, default=3)
    parser.add_argument("--no-ingest", action="store_true")
    arguments = parser.parse_args()
    for folder in reversed([p for p in arguments.path.split(":") if p]):
        sys.path.insert(0, folder)
    compare(arguments)
    if not arguments.no_ingest:
        ingest(arguments)
