"""HTML to plain text: the page is parsed by lexbor (through ``selectolax``), an HTML5
parser in C, and its tree is walked once, without recursion, to apply the rules below.

Shared by the ``html`` reader (one page per file) and the ``xml`` reader (HTML held in a
field, often in CDATA). lexbor was chosen by measurement (``benchmarks/html_parsers.py``):
on the real development gazette it turns the 314 records' HTML into the same text as the
standard library's ``html.parser`` did, many times faster. The heuristics, in the order
they apply:

* **Title**: the first ``<title>``; when there is none (or it is blank), the first
  ``<h1>`` that is not inside dropped boilerplate. Whitespace is collapsed.
* **Never text**: ``script``, ``style``, ``noscript``, ``template``, ``svg``, ``iframe``,
  ``object``, ``datalist`` and the ``<title>`` itself. Comments, Word's conditional
  comments (``<!--[if gte mso 9]>…<![endif]-->``) included, and processing instructions
  (Word's ``<?xml:namespace …?>``) are not text either.
* **Boilerplate elements** (dropped): ``nav``, ``header``, ``footer``, ``aside``,
  ``button``, ``select``, ``dialog`` and ``menu``. A ``<form>`` is dropped too, unless it
  holds page content (an ``article``, ``main``, ``section``, ``h1``-``h3`` or ``p``):
  ASP.NET pages, common on government sites, wrap the whole page in one form.
* **Boilerplate guessed from attributes** (dropped): an element (other than ``html``,
  ``body``, ``main``, ``article``) whose ``id`` or ``class`` has a word that starts or ends
  with ``nav``, ``menu``, ``breadcrumb``, ``footer``, ``header``, ``sidebar``, ``share``
  or ``cookie`` (words split at anything not a letter or digit, compared in lower case:
  ``navbar``, ``mainMenu``, ``site-footer`` match, ``unavailable`` does not); whose
  ``role`` is ``navigation``, ``banner``, ``contentinfo``, ``complementary``, ``search``,
  ``menu`` or ``menubar``; or that is ``hidden`` or ``style="display:none"``.
* **Main content**: when the page has an ``<article>`` or ``<main>`` holding at least
  ``ROOT_SHARE`` of the page's text, only the text inside them (all of them, in order) is
  kept. When the page leaves nothing, the attribute guesses are undone (they can be
  wrong: ``<div id="header-and-content">``) but the boilerplate elements stay dropped.
  A page of navigation only is therefore empty, never a document of menu items.
* **Layout**: block elements (``p``, ``div``, ``li``, ``tr``, ``h1``-``h6``, ``section``,
  ``article``, ``dt``/``dd``, ``blockquote``, ``pre``, ``br``, ``hr``, …) end lines; the
  cells of a table row are joined with `` | `` (empty cells left out). Inside a line,
  runs of ASCII whitespace and no-break spaces become one space, and a run holding a
  line break between two wide (CJK) characters disappears, as CSS does: source lines
  wrapped inside a Chinese sentence do not gain spaces. The ideographic space U+3000 is
  text (indentation in government documents) and is kept. Inside ``<pre>``, whitespace
  is kept as is. Blank lines are dropped; lines are joined with ``\\n``.
* **Entities** are decoded by the parser, as HTML5 says (``&nbsp`` without ``;`` too;
  ``&unknown;`` stays as written).

Robustness: the tree is the one the HTML5 standard builds (what a browser shows), so
malformed markup is repaired the standard way: unclosed elements are closed, a ``p``
is closed by a block, a cell by a cell, stray end tags are ignored, and text written
between table rows is moved before the table. lexbor never rejects input and has no
recursion; the walk keeps its own stack (a list) and stops tracking elements deeper than
``MAX_DEPTH``: deeper elements still break lines but do not change what is dropped. The
two control characters used as line and cell marks inside the walk (U+001E, U+001F,
which XML cannot hold and normalize removes) are removed from the input first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

MAX_DEPTH = 512  # open elements tracked; deeper ones only break lines

_NEVER_TEXT = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "datalist", "title"})
_RAW_TEXT = frozenset({"script", "style"})  # their content is never markup nor text; not walked
_BOILERPLATE = frozenset({"nav", "header", "footer", "aside", "button", "select", "dialog", "menu"})
_ROOTS = frozenset({"article", "main"})
_FORM_CONTENT = frozenset({"article", "main", "section", "h1", "h2", "h3", "p"})
_NOT_GUESSED = frozenset({"html", "body", "main", "article"})
_NAV_WORDS = ("nav", "menu", "breadcrumb", "footer", "header", "sidebar", "share", "cookie")
_NAV_WORDS_IN_ROOT = tuple(w for w in _NAV_WORDS if w not in ("header", "footer"))
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"})
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_CELLS = frozenset({"td", "th"})

_NAV_ATTR_WORD = re.compile(r"[a-z0-9]+")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_WS = re.compile(r"[ \t\n\r\f\v\xa0]+")
_STRIP = " \t\n\r\f\v\xa0"

# Effects an open element has on the text inside it.
_NEVER, _DROPPED, _GUESSED, _ROOT, _PRE, _TITLE, _H1 = 1, 2, 4, 8, 16, 32, 64
# Marks in the walk's output: a line ends, a cell ends. Neither can be in XML (nor survives
# normalize); both are removed from the input before parsing.
_BREAK, _CELL = "\x1e", "\x1f"
# A run of whitespace holding a line break between two characters that may be wide (all wide
# characters are above U+10FF); _is_wide decides.
_WRAP = re.compile(r"(?<=[^\x00-\u10ff])[ \t\f\v\xa0]*[\n\r][ \t\n\r\f\v\xa0]*(?=[^\x00-\u10ff])")
# Elements that may be guessed boilerplate, found by lexbor's selector engine; each is then
# checked by _guessed_boilerplate.
# HTML5 ignores a <form> inside a <form> (its content joins the outer one), but a search
# form inside the ASP.NET page's form is still boilerplate: forms are parsed as an element
# of another name, which nests, and read as forms.
_FORM_TAG = re.compile(r"<(/?)(form)(?=[\s/>])", re.IGNORECASE)
_FORM_ALIAS = "tw-form"
_UNALIAS = re.compile(r"<(/?)tw-(form)", re.IGNORECASE)  # where a "<form" was text (<title>, <textarea>)
_GUESS_SELECTOR = ", ".join(
    [
        *(f'[{name}*="{word}" i]' for name in ("id", "class") for word in _NAV_WORDS),
        "[role]",
        "[hidden]",
        '[style*="display" i]',
    ]
)

# <meta name|property=…> that give a page's date, best first.
_DATE_META = (
    "article:published_time",
    "pubdate",
    "publishdate",
    "date",
    "dcterms.issued",
    "dc.date.issued",
    "dcterms.date",
    "dc.date",
)


@dataclass(frozen=True)
class HtmlPage:
    text: str  # the main text; "" when there is none
    title: str | None = None
    url: str | None = None  # <link rel="canonical">, else <meta property="og:url">
    date: str | None = None  # from <meta name="date" | "pubdate" | "article:published_time" …>


def html_to_text(html: str) -> tuple[str, str | None]:
    """The main text of an HTML page or fragment and its title (see the module's docstring)."""
    page = parse_html(html)
    return page.text, page.title


# Markup with far more "<" than ">" is not a page anyone wrote (a run of unclosed tags, once
# quadratic in the standard library's parser): it is refused before parsing.
MAX_UNCLOSED_TAGS = 1000


ROOT_SHARE = 0.5  # share of the page's text an <article>/<main> must hold to be taken alone


class UnparsableHtml(ValueError):
    pass


def parse_html(html: str) -> HtmlPage:
    """The main text, title, canonical URL and publication date of an HTML page."""
    if html.count("<") - html.count(">") > MAX_UNCLOSED_TAGS:
        raise UnparsableHtml(f"{html.count('<') - html.count('>'):,} more '<' than '>': not parseable HTML")
    extractor = _Extractor()
    try:
        # A lone surrogate cannot be UTF-8: passed through, lexbor reads it as U+FFFD.
        if _BREAK in html or _CELL in html:
            html = html.replace(_BREAK, "").replace(_CELL, "")
        html, aliased = _FORM_TAG.subn(r"<\1tw-\2", html)
        tree = LexborHTMLParser(html.encode("utf-8", "surrogatepass"))
        extractor.walk(tree, aliased > 0)
    except Exception:  # noqa: BLE001 - malformed input ends the parse; keep what was found
        pass
    return HtmlPage(text=extractor.text(), title=extractor.title(), url=extractor.url(), date=extractor.date())


def written_date(value: object) -> str | None:
    """A date field as the source wrote it, stripped; blank → None. Ingest reads it
    (``pipeline.ingest.dates``: Minguo and Western forms → ISO 8601)."""
    if value is None:
        return None
    return str(value).strip() or None


def collapse(text: str) -> str:
    """Runs of whitespace as one space; a line break between two wide characters removed."""

    def space(match: re.Match[str]) -> str:
        run = match.group()
        if ("\n" in run or "\r" in run) and 0 < match.start() and match.end() < len(text):
            if _is_wide(text[match.start() - 1]) and _is_wide(text[match.end()]):
                return ""
        return " "

    return _WS.sub(space, text).strip(_STRIP)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _unwrap(match: re.Match[str]) -> str:
    text = match.string
    if _is_wide(text[match.start() - 1]) and _is_wide(text[match.end()]):
        return ""
    return match.group()


# What an element is to the walk, one lookup per element (_KINDS); an element of any other
# name is inline: its text is text, it ends no line and has no effect.
_K_BLOCK, _K_CELL, _K_FORM_CONTENT, _K_NEVER, _K_BOILERPLATE, _K_ROOT, _K_PRE, _K_FORM = 1, 2, 4, 8, 16, 32, 64, 128
_K_H1, _K_LEAF, _K_BREAK, _K_HEAD = 256, 512, 1024, 2048  # h1; not walked into; <br>/<hr>; <meta>/<link>/<base>
_K_TEXT = 4096  # a text node
_K_EFFECTS = _K_NEVER | _K_BOILERPLATE | _K_ROOT | _K_PRE | _K_FORM | _K_H1


def _kinds() -> dict[str, int]:
    kinds: dict[str, int] = {}
    for tags, kind in (
        (_BLOCKS, _K_BLOCK),
        (_CELLS, _K_CELL),
        (_FORM_CONTENT, _K_FORM_CONTENT),
        (_NEVER_TEXT, _K_NEVER),
        (_BOILERPLATE, _K_BOILERPLATE),
        (_ROOTS, _K_ROOT),
        ({"pre"}, _K_PRE),
        ({"h1"}, _K_H1),
        ({"form", _FORM_ALIAS}, _K_FORM | _K_BLOCK),
        (_VOID | _RAW_TEXT, _K_LEAF),
        ({"br", "hr"}, _K_BREAK),
        ({"meta", "link", "base"}, _K_HEAD),
    ):
        for tag in tags:
            kinds[tag] = kinds.get(tag, 0) | kind
    return kinds


_KINDS = _kinds()


def _kind(tag: str | None) -> int:
    if tag == "-text":
        return _K_TEXT
    if tag is None or tag[0] == "-":  # comments, the doctype, processing instructions: never text
        return _K_LEAF
    return _KINDS.get(tag, 0)


# How the walk takes text nodes (see _Extractor.walk).
_PLAIN, _SILENT, _CAREFUL = "plain", "silent", "careful"


def _text_mode(depth: dict[int, int], h1: list[str] | None, aliased: bool) -> str:
    if depth[_NEVER]:
        return _SILENT
    if aliased or depth[_PRE] or (h1 is not None and depth[_H1]):
        return _CAREFUL
    return _PLAIN


class _Form:
    """An open <form>: dropped unless page content turns up inside it."""

    __slots__ = ("content",)

    def __init__(self) -> None:
        self.content = False


def _guessed_boilerplate(tag: str, attrs: dict[str, str], inside_root: bool = False) -> bool:
    if tag in _NOT_GUESSED:
        return False
    # Inside <article>/<main>, "section-header" or "table-header" names a part of the
    # content, while "share" or "breadcrumb" is still a widget.
    words = _NAV_WORDS_IN_ROOT if inside_root else _NAV_WORDS
    for name in ("id", "class"):
        for word in _NAV_ATTR_WORD.findall(attrs.get(name, "").lower()):
            if any(word.startswith(w) or word.endswith(w) for w in words):
                return True
    if attrs.get("role", "").strip().lower() in _NAV_ROLES:
        return True
    return "hidden" in attrs or bool(_DISPLAY_NONE.search(attrs.get("style", "")))


class _Pre(str):
    """Text from inside a <pre>: its whitespace is kept."""

    __slots__ = ()


class _State:
    """What the text after this point in the walk is inside of (the effects of open elements)."""

    __slots__ = ("root", "dropped", "guessed", "form")

    def __init__(self, root: bool, dropped: bool, guessed: bool, form: _Form | None) -> None:
        self.root, self.dropped, self.guessed, self.form = root, dropped, guessed, form

    def same(self, other: _State) -> bool:
        return (
            self.root is other.root
            and self.dropped is other.dropped
            and self.guessed is other.guessed
            and self.form is other.form
        )


_OUTSIDE = _State(False, False, False, None)


class _Extractor:
    def __init__(self) -> None:
        # The walk's output: text (str, _Pre), the marks _BREAK and _CELL, and a _State where
        # what the text is inside of changes (rare: most pages have no boilerplate at all).
        self._parts: list[str | _State] = []
        self._states: list[int] = []  # where the _States are in _parts
        self._has_root = False
        self._has_pre = False
        self._title_text: str | None = None
        self._h1_first: str | None = None
        self._links: dict[str, str] = {}
        self._metas: dict[str, str] = {}

    # --- the walk -----------------------------------------------------------------------

    def walk(self, tree: LexborHTMLParser, aliased: bool = False) -> None:  # noqa: C901 - one loop, no call per node
        """Every node of the tree in document order, entering and leaving elements, with
        an explicit stack (no recursion: 20,000 nested elements are fine)."""
        parts = self._parts
        emit = parts.append
        guess = {node.mem_id for node in tree.css(_GUESS_SELECTOR)} if tree.root is not None else set()
        kinds: dict[int, int] = {}  # tag id → kind (_kind), filled as tags are met: ids are per document
        # (node, kind, effects, form) of each open element (one with nothing inside until the next step)
        path: list[tuple[LexborNode, int, int, _Form | None]] = []
        depth = {_NEVER: 0, _DROPPED: 0, _GUESSED: 0, _ROOT: 0, _PRE: 0, _H1: 0}
        forms: list[_Form] = []
        state = _OUTSIDE
        title_done = False
        h1: list[str] | None = None
        # How text nodes are taken here: _PLAIN (emitted as they are), _SILENT (not text) or
        # _CAREFUL (inside <pre> or the first <h1>, or "<form" to restore); changes only
        # where an element with effects opens or closes.
        mode = _CAREFUL if aliased else _PLAIN
        node = tree.root
        while node is not None:
            ends = False  # whether the node is an element on the path that ends here (it has no children)
            tag_id = node.tag_id
            kind = kinds.get(tag_id)
            if kind is None:
                kind = kinds[tag_id] = _kind(node.tag)
            if kind == _K_TEXT:
                if mode is _PLAIN:
                    data: str = node.text_content  # type: ignore[assignment]  # a text node's text: never None
                    if data:
                        emit(data)
                elif mode is _CAREFUL:
                    data = node.text_content  # type: ignore[assignment]
                    if aliased and "<" in data:
                        data = _UNALIAS.sub(r"<\1\2", data)
                    if data:
                        if h1 is not None and depth[_H1]:
                            h1.append(data)
                        if depth[_PRE]:
                            emit(_Pre(data))
                            self._has_pre = True
                        else:
                            emit(data)
            else:
                if kind == 0 and not guess:  # an inline element (most are): only its content counts
                    child = node.first_child
                    if child is not None:
                        path.append((node, 0, 0, None))
                        node = child
                        continue
                elif kind & _K_LEAF:  # not walked into: void elements, script, style, comments
                    if kind & _K_BREAK:
                        emit(_BREAK)
                    elif kind & _K_HEAD:
                        self._head_element(node.tag, _attributes(node))  # type: ignore[arg-type]
                else:
                    if kind & _K_BLOCK:
                        emit(_BREAK)
                    elif kind & _K_CELL:
                        emit(_CELL)
                    if kind & _K_FORM_CONTENT:
                        for open_form in forms:
                            open_form.content = True
                    effects = 0
                    form = None
                    if (kind & _K_EFFECTS or guess) and len(path) < MAX_DEPTH:
                        if kind & _K_NEVER:
                            effects |= _NEVER
                            if node.tag == "title" and not title_done and not depth[_NEVER]:
                                title = node.text(deep=True)
                                title = collapse(_UNALIAS.sub(r"<\1\2", title) if aliased else title)
                                if title:
                                    title_done = True
                                    self._title_text = title
                        if kind & _K_BOILERPLATE:
                            effects |= _DROPPED
                        if (
                            guess
                            and node.mem_id in guess
                            and _guessed_boilerplate(
                                "form" if kind & _K_FORM else node.tag,  # type: ignore[arg-type]
                                _attributes(node),
                                inside_root=depth[_ROOT] > 0,
                            )
                        ):
                            effects |= _GUESSED
                        if kind & _K_ROOT:
                            effects |= _ROOT
                            self._has_root = True
                        if kind & _K_PRE:
                            effects |= _PRE
                        if kind & _K_H1 and self._h1_first is None and h1 is None:
                            effects |= _H1
                            h1 = []
                        if kind & _K_FORM:
                            form = _Form()
                            forms.append(form)
                        if effects or form is not None:
                            for flag in depth:
                                if effects & flag:
                                    depth[flag] += 1
                            state, mode = self._changed(state, depth, forms, h1, aliased)
                    path.append((node, kind, effects, form))
                    child = node.first_child
                    if child is not None:
                        node = child
                        continue
                    ends = True  # an element with nothing inside: it ends here, at once
            # on to the next sibling, leaving the elements that end here
            while True:
                if ends:
                    node, kind, effects, form = path.pop()
                    if effects or form is not None:
                        h1 = self._leave(kind, effects, form, depth, forms, h1)
                        state, mode = self._changed(state, depth, forms, h1, aliased)
                    elif kind & _K_BLOCK:
                        emit(_BREAK)
                    elif kind & _K_CELL:
                        emit(_CELL)
                following = node.next
                if following is not None:
                    node = following
                    break
                if not path:
                    node = None
                    break
                ends = True

    def _leave(
        self,
        kind: int,
        effects: int,
        form: _Form | None,
        depth: dict[int, int],
        forms: list[_Form],
        h1: list[str] | None,
    ) -> list[str] | None:
        if kind & _K_BLOCK:
            self._parts.append(_BREAK)
        elif kind & _K_CELL:
            self._parts.append(_CELL)
        if effects:
            for flag in depth:
                if effects & flag:
                    depth[flag] -= 1
            if effects & _H1 and h1 is not None:
                heading = collapse("".join(h1))
                if heading and not depth[_DROPPED] and not depth[_GUESSED] and not effects & (_DROPPED | _GUESSED):
                    self._h1_first = heading
                h1 = None
        if form is not None:
            forms.remove(form)
        return h1

    def _changed(
        self, state: _State, depth: dict[int, int], forms: list[_Form], h1: list[str] | None, aliased: bool
    ) -> tuple[_State, str]:
        """After an element with effects opened or closed: what the text is inside of now, and
        how text nodes are taken from here (one call, so the two never disagree)."""
        return self._mark(state, depth, forms), _text_mode(depth, h1, aliased)

    def _mark(self, state: _State, depth: dict[int, int], forms: list[_Form]) -> _State:
        new = _State(depth[_ROOT] > 0, depth[_DROPPED] > 0, depth[_GUESSED] > 0, forms[-1] if forms else None)
        if new.same(state):
            return state
        self._states.append(len(self._parts))
        self._parts.append(new)
        return new

    def _head_element(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "link":
            for rel in attrs.get("rel", "").lower().split():
                self._links.setdefault(rel, attrs.get("href", "").strip())
        elif tag == "base":
            self._links.setdefault("<base>", attrs.get("href", "").strip())
        else:
            key = (attrs.get("name") or attrs.get("property") or attrs.get("itemprop") or "").strip().lower()
            content = attrs.get("content", "").strip()
            if key and content:
                self._metas.setdefault(key, content)

    # --- results ------------------------------------------------------------------------

    def title(self) -> str | None:
        return self._title_text or self._h1_first

    def url(self) -> str | None:
        given = [self._links.get("canonical"), self._metas.get("og:url")]
        candidates = [c for c in given if c]
        for candidate in candidates:
            if candidate.startswith(("http://", "https://")):
                return candidate
        if not candidates:
            return None
        base = self._links.get("<base>", "")
        if base.startswith(("http://", "https://")):
            return urljoin(base, candidates[0])
        return candidates[0]

    def date(self) -> str | None:
        for key in _DATE_META:
            if self._metas.get(key):
                return written_date(self._metas[key])
        return None

    def text(self) -> str:
        def dropped(state: _State) -> bool:
            return state.dropped or (state.form is not None and not state.form.content)

        levels = [lambda s: not s.guessed and not dropped(s), lambda s: not dropped(s)]
        for keep in levels:
            text = self._assemble(keep)
            if text:
                break
        else:
            return ""
        if self._has_root:
            # <article>/<main> is the content only when it holds most of it: a small
            # <article> card beside the real body must not replace the body.
            root = self._assemble(lambda s: s.root and not s.guessed and not dropped(s))
            if len(root) >= ROOT_SHARE * len(text):
                return root
        return text

    def _kept(self, keep) -> list[str]:
        """The walk's output without the text that ``keep`` leaves out (its marks stay)."""
        parts = self._parts
        texts = cast("list[str]", parts)  # sliced between the _States (at self._states): text only
        if not self._states:
            return texts if keep(_OUTSIDE) else [p for p in texts if p is _BREAK or p is _CELL]
        kept: list[str] = []
        bounds = [*self._states, len(parts)]
        segment = texts[: bounds[0]]
        kept.extend(segment if keep(_OUTSIDE) else [p for p in segment if p is _BREAK or p is _CELL])
        for start, end in zip(bounds, bounds[1:]):
            segment = texts[start + 1 : end]
            kept.extend(segment if keep(parts[start]) else [p for p in segment if p is _BREAK or p is _CELL])
        return kept

    def _assemble(self, keep) -> str:
        parts = self._kept(keep)
        if self._has_pre:
            return _assemble_with_pre(parts)
        # Without <pre>, every cell is collapsed the same way: all at once, in C.
        text = _WS.sub(" ", _WRAP.sub(_unwrap, "".join(parts)))
        lines = []
        for line in text.split(_BREAK):
            if _CELL in line:
                cells = [cell for cell in (c.strip(_STRIP) for c in line.split(_CELL)) if cell.strip()]
                if cells:
                    lines.append(" | ".join(cells))
            else:
                line = line.strip(_STRIP)
                if line.strip():
                    lines.append(line)
        return "\n".join(lines)


def _assemble_with_pre(parts: list[str]) -> str:
    """Lines of cells, one piece at a time: a cell holding <pre> text keeps its whitespace."""
    lines: list[str] = []
    cells: list[str] = []
    pieces: list[str] = []

    def end_cell() -> None:
        if pieces:
            if any(type(piece) is _Pre for piece in pieces):
                cell = "".join(p if type(p) is _Pre else _WS.sub(" ", p) for p in pieces).rstrip(_STRIP)
            else:
                cell = collapse("".join(pieces))
            if cell.strip():
                cells.append(cell)
            pieces.clear()

    def end_line() -> None:
        end_cell()
        if cells:
            lines.append(" | ".join(cells))
            cells.clear()

    for part in parts:
        if part is _BREAK:
            end_line()
        elif part is _CELL:
            end_cell()
        elif type(part) is _Pre:
            first, *rest = part.replace("\r\n", "\n").split("\n")
            pieces.append(_Pre(first))
            for line in rest:
                end_line()
                pieces.append(_Pre(line))
        else:
            pieces.append(part)
    end_line()
    return "\n".join(lines)


def _attributes(node) -> dict[str, str]:
    return {name: value or "" for name, value in node.attributes.items()}
