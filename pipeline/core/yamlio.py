"""Reading YAML with errors the user can act on, within limits that make a hostile file harmless.

Configuration files are small: one over ``MAX_BYTES``, nested deeper than ``MAX_DEPTH`` or
whose aliases expand to more than ``MAX_NODES`` nodes (a "billion laughs" bomb: 772 bytes
that take DVC minutes and gigabytes) is refused before it is built. The limits are
measured on the parser's events, so checking costs one pass over the text. A key given
twice in one mapping is refused too: YAML would keep the second silently, and the user
who added a setting under a section that already had it would never see it ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml

from pipeline.core.errors import UserError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Mark] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a merge key (<<) may be overridden by the mapping's own keys, as YAML intends
            if key_node.value in seen:
                first = seen[key_node.value].line + 1
                message = f"{key_node.value!r} is given twice (first at line {first})"
                raise yaml.constructor.ConstructorError(None, None, message, key_node.start_mark)
            seen[key_node.value] = key_node.start_mark
        return super().construct_mapping(node, deep)


def load_yaml(path: Path, shown_as: str) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(
                shown_as, f"{size:,} bytes: too large for a configuration file (the limit is {MAX_BYTES:,})"
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(shown_as, "file not found") from None
    except UnicodeDecodeError as exc:
        raise UserError(shown_as, f"not UTF-8 text (byte {exc.start})") from None
    try:
        check_limits(text, shown_as)
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: safe_load with one check more
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserError(shown_as, f"not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise UserError(shown_as, f"not valid YAML: {exc}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2026-02-30
        raise UserError(shown_as, f"not valid YAML: {exc}") from None


def check_limits(text: str, shown_as: str) -> None:
    """Refuse ``text`` when it nests deeper than MAX_DEPTH or expands to more than MAX_NODES nodes."""
    sizes: dict[str, int] = {}  # anchor -> nodes it expands to
    open_nodes: list[list[Any]] = [[None, 0]]  # [anchor, nodes so far] per open collection; the document at the bottom
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            open_nodes.append([event.anchor, 1])
            if len(open_nodes) > MAX_DEPTH:
                raise UserError(shown_as, f"nested deeper than {MAX_DEPTH} levels: refused as unsafe to parse")
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, nodes = open_nodes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, nodes = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, nodes = None, sizes.get(cast(str, event.anchor), 1)  # an alias always names its anchor
        else:
            continue
        if anchor is not None:
            sizes[anchor] = nodes
        open_nodes[-1][1] += nodes
        if open_nodes[-1][1] > MAX_NODES:
            raise UserError(
                shown_as,
                f"its aliases expand to more than {MAX_NODES:,} values: refused as unsafe to parse (a YAML bomb?)",
            )
