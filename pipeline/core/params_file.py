"""params.yaml written from the code, so that each default and its explanation live in one place.

The sections' dataclasses (core's ``Params``, each stage's ``pipeline/<stage>/params.py``) hold
every key's default and, as source comments, what it means. ``render`` writes a params.yaml
from a ``Params``: a section's docstring heads it, the full-line comments right above a field
go above its key, the comment on the field's own lines goes after its value. ``twcorpus
params`` prints the defaults; ``twcorpus params --write`` rewrites params.yaml with the values
it already holds (a data engineer's tuning stays, a key added by new code appears with its
default, the comments follow the code). The shipped params.yaml is ``render`` of the defaults,
held so by a test.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import io
import textwrap
import tokenize
from typing import Any, cast

import yaml

HEADER = """\
# Pipeline parameters: where the stages run, and one section per stage. Validated on every run:
# a typo, a wrong type or a value out of range is a one-line error. DVC tracks each section as
# a dependency of the stages that read it (dvc.yaml).
# Written by `twcorpus params --write`, which keeps the values set here and takes the comments
# and the keys from the code (pipeline/<stage>/params.py): change values here, explanations there.
"""
COMMENT_COLUMN = 28  # where a value's comment starts, when the key and value leave room
FOLD_AT = 88  # a longer string is written folded (>-) over lines of at most this many characters


@dataclasses.dataclass(frozen=True)
class FieldNotes:
    above: tuple[str, ...]  # full-line comments right above the field
    after: str  # the comment on the field's own lines


NOTE_AFTER = 80  # a field's ``note`` metadata longer than this goes above its key
NOTE_WIDTH = 110  # and is folded at this many characters


@functools.cache
def notes_of(cls: type) -> dict[str, FieldNotes]:
    """The comments of each field of a dataclass: read from its source, or, for a class made at
    run time (the quality section, of the rules' thresholds), from each field's ``note`` metadata."""
    notes = _source_notes(cls)
    for f in dataclasses.fields(cls):
        note = f.metadata.get("note", "")
        if note and f.name not in notes:
            long = len(note) > NOTE_AFTER
            above = tuple(textwrap.wrap(note, NOTE_WIDTH, break_long_words=False)) if long else ()
            notes[f.name] = FieldNotes(above, "" if long else note)
    return notes


def _source_notes(cls: type) -> dict[str, FieldNotes]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # made by make_dataclass: no source of its own
        return {}
    comments: dict[int, tuple[str, bool]] = {}  # line -> (text, whole line)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = (token.string[1:].strip(), not token.line[: token.start[1]].strip())
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.ClassDef)
    fields = {f.name for f in dataclasses.fields(cls)}
    notes = {}
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        if statement.target.id not in fields:
            continue
        line = statement.lineno - 1
        above: list[str] = []
        while line in comments and comments[line][1]:
            above.insert(0, comments[line][0])
            line -= 1
        end = statement.end_lineno or statement.lineno
        after = " ".join(comments[n][0] for n in range(statement.lineno, end + 1) if n in comments)
        notes[statement.target.id] = FieldNotes(tuple(above), after)
    return notes


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    return text.removesuffix("\n").removesuffix("\n...")


def _flow(values: tuple[Any, ...] | list[Any]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def _line(indent: int, key: str, value: str, comment: str) -> str:
    text = f"{' ' * indent}{key}:{' ' + value if value else ''}"
    if comment:
        text = text.ljust(COMMENT_COLUMN - 1) + f" # {comment}"
    return text


def _comment_lines(indent: int, lines: tuple[str, ...] | list[str]) -> list[str]:
    return [f"{' ' * indent}# {line}".rstrip() for line in lines]


def _mapping(obj: Any, indent: int) -> list[str]:
    """The lines of a dataclass's fields, each with its comments."""
    notes = notes_of(cast(type, type(obj)))
    key_notes = getattr(obj, "key_notes", None)
    out: list[str] = []
    for f in dataclasses.fields(obj):
        value, note = getattr(obj, f.name), notes.get(f.name, FieldNotes((), ""))
        out += _comment_lines(indent, note.above)
        out += _value(f.name, value, indent, note.after, key_notes(f.name) if key_notes else {})
    return out


def _value(key: str, value: Any, indent: int, comment: str, entry_notes: dict[str, str]) -> list[str]:
    if dataclasses.is_dataclass(value):
        return [_line(indent, key, "", comment), *_mapping(value, indent + 2)]
    if isinstance(value, dict):
        if not value:
            return [_line(indent, key, "{}", comment)]
        lines = [_line(indent, key, "", comment)]
        for k, v in value.items():
            lines += _value(str(k), v, indent + 2, entry_notes.get(str(k), ""), {})
        return lines
    if isinstance(value, tuple | list):
        if value and dataclasses.is_dataclass(value[0]):
            lines = [_line(indent, key, "", comment)]
            for item in value:
                block = _mapping(item, indent + 4)
                lines += [" " * (indent + 2) + "- " + block[0].lstrip(), *block[1:]]
            return lines
        return [_line(indent, key, _flow(value), comment)]
    if isinstance(value, str) and len(value) > FOLD_AT - indent - len(key) and "\n" not in value:
        wrapped = textwrap.wrap(value, FOLD_AT - indent - 2, break_long_words=False, break_on_hyphens=False)
        if " ".join(wrapped) == value:  # folding joins lines with one space: only then is it the same string
            return [_line(indent, key, ">-", comment), *(" " * (indent + 2) + w for w in wrapped)]
    return [_line(indent, key, _scalar(value), comment)]


def _doc(cls: type) -> list[str]:
    """A section's docstring, its heading in params.yaml (not the signature dataclass writes when there is none)."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    return [] if doc.startswith(f"{cls.__name__}(") else doc.splitlines()


def render(params: Any) -> str:
    """params.yaml for ``params`` (a ``params_class()`` instance): its values, the code's comments."""
    from pipeline.core.config import Params

    notes = notes_of(Params)  # the stages' sections are fields of a class made at run time: no source
    out = [HEADER.rstrip("\n")]
    for f in dataclasses.fields(params):
        value, note = getattr(params, f.name), notes.get(f.name, FieldNotes((), ""))
        out.append("")
        out += _comment_lines(0, note.above)
        if dataclasses.is_dataclass(value):
            out.append(f"{f.name}:" + (f"  # {note.after}" if note.after else ""))
            out += _comment_lines(2, _doc(type(value)))
            out += _mapping(value, 2)
        else:
            out += _value(f.name, value, 0, note.after, {})
    return "\n".join(out) + "\n"
