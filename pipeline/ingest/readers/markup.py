"""HTML to plain text, with the standard library's ``html.parser`` only.

Shared by the ``html`` reader (one page per file) and the ``xml`` reader (HTML held in a
field, often in CDATA). The heuristics, in the order they apply:

* **Title**: the first ``<title>``; when there is none (or it is blank), the first
  ``<h1>`` that is not inside dropped boilerplate. Whitespace is collapsed.
* **Never text**: ``script``, ``style``, ``noscript``, ``template``, ``svg``, ``iframe``,
  ``object``, ``datalist`` and the ``<title>`` itself.
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
* **Main content**: when the page has an ``<article>`` or ``<main>``, only the text inside
  them (all of them, in order) is kept. When that leaves nothing, the whole page is
  used; when that leaves nothing either, the attribute guesses are undone (they can be
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
* **Entities** are decoded by the parser (``convert_charrefs=True``).

Robustness: ``HTMLParser`` is iterative and never rejects input; this module keeps its
own stack of open elements (a list, never recursion), closes the elements HTML closes
implicitly (an open ``p`` before a block, ``li`` before ``li``, cells before a cell or a
row, …), ignores end tags that close nothing, and stops tracking elements deeper than
``MAX_DEPTH``: deeper elements still break lines but do not change what is dropped.
Anything the parser raises ends the parse with the text found so far.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

MAX_DEPTH = 512  # open elements tracked; deeper ones only break lines

_NEVER_TEXT = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "datalist", "title"})
_RAW_TEXT = frozenset({"script", "style"})  # the parser hands their content over as data, unparsed
_BOILERPLATE = frozenset({"nav", "header", "footer", "aside", "button", "select", "dialog", "menu"})
_ROOTS = frozenset({"article", "main"})
_FORM_CONTENT = frozenset({"article", "main", "section", "h1", "h2", "h3", "p"})
_NOT_GUESSED = frozenset({"html", "body", "main", "article"})
_NAV_WORDS = ("nav", "menu", "breadcrumb", "footer", "header", "sidebar", "share", "cookie")
_NAV_WORDS_IN_ROOT = tuple(w for w in _NAV_WORDS if w not in ("header", "footer"))
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr",
    "ul",
})
_CELLS = frozenset({"td", "th"})
# What an opening tag closes when it is on top of the stack, as HTML does implicitly.
_CLOSED_BY = {
    "li": frozenset({"p", "li"}),
    "dt": frozenset({"p", "dt", "dd"}),
    "dd": frozenset({"p", "dt", "dd"}),
    "tr": frozenset({"td", "th", "tr"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "option": frozenset({"option"}),
}
_P_ONLY = frozenset({"p"})

_NAV_ATTR_WORD = re.compile(r"[a-z0-9]+")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_WS = re.compile(r"[ \t\n\r\f\v\xa0]+")
_STRIP = " \t\n\r\f\v\xa0"

# Effects an open element has on the text inside it.
_NEVER, _DROPPED, _GUESSED, _ROOT, _PRE, _TITLE, _H1 = 1, 2, 4, 8, 16, 32, 64
_TEXT, _PRE_TEXT, _BREAK, _CELL = 0, 1, 2, 3

# <meta name|property=…> that give a page's date, best first.
_DATE_META = (
    "article:published_time", "pubdate", "publishdate", "date", "dcterms.issued",
    "dc.date.issued", "dcterms.date", "dc.date",
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


# Python 3.11's html.parser is quadratic on runs of unclosed "<" (CVE-2025-6069): markup
# with far more "<" than ">" is not a page anyone wrote, and is refused before parsing.
MAX_UNCLOSED_TAGS = 1000


ROOT_SHARE = 0.5  # share of the page's text an <article>/<main> must hold to be taken alone


class UnparsableHtml(ValueError):
    pass


def parse_html(html: str) -> HtmlPage:
    """The main text, title, canonical URL and publication date of an HTML page."""
    if html.count("<") - html.count(">") > MAX_UNCLOSED_TAGS:
        raise UnparsableHtml(f"{html.count('<') - html.count('>'):,} more '<' than '>': not parseable HTML")
    parser = _Extractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed input ends the parse; keep what was found
        pass
    return HtmlPage(text=parser.text(), title=parser.title(), url=parser.url(), date=parser.date())


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


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[tuple[str, int, _Form | None]] = []  # (tag, effects, form)
        self._open: dict[str, int] = {}  # tag -> how many are on the stack
        self._overflow = 0  # elements opened past MAX_DEPTH, not tracked
        self._depth = {_NEVER: 0, _DROPPED: 0, _GUESSED: 0, _ROOT: 0, _PRE: 0, _TITLE: 0, _H1: 0}
        self._forms: list[_Form] = []
        self._raw: str | None = None  # inside <script> or <style>
        # (kind, text, in_root, dropped, guessed, innermost open form)
        self._tokens: list[tuple[int, str, bool, bool, bool, _Form | None]] = []
        self._has_root = False
        self._title: list[str] | None = None
        self._title_done = False
        self._title_text: str | None = None
        self._h1: list[str] | None = None
        self._h1_first: str | None = None
        self._links: dict[str, str] = {}
        self._metas: dict[str, str] = {}

    # --- parser callbacks ---------------------------------------------------------------

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attr_list}
        if tag in ("meta", "link", "base"):
            self._head_element(tag, attrs)
        if tag in _RAW_TEXT:
            self._raw = tag
            return
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._emit(_BREAK)
            return
        self._close_implied(tag)
        if tag in _BLOCKS:
            self._emit(_BREAK)
        elif tag in _CELLS:
            self._emit(_CELL)
        if tag in _FORM_CONTENT:
            for form in self._forms:
                form.content = True
        if len(self._stack) >= MAX_DEPTH:
            self._overflow += 1
            return
        effects = 0
        form = None
        if tag in _NEVER_TEXT:
            effects |= _NEVER
        if tag in _BOILERPLATE:
            effects |= _DROPPED
        if _guessed_boilerplate(tag, attrs, inside_root=self._depth[_ROOT] > 0):
            effects |= _GUESSED
        if tag in _ROOTS:
            effects |= _ROOT
            self._has_root = True
        if tag == "pre":
            effects |= _PRE
        if tag == "title" and not self._title_done and self._depth[_NEVER] == 0:
            effects |= _TITLE
            self._title = []
        if tag == "h1" and self._h1_first is None and self._h1 is None:
            effects |= _H1
            self._h1 = []
        if tag == "form":
            form = _Form()
            self._forms.append(form)
        for flag in self._depth:
            if effects & flag:
                self._depth[flag] += 1
        self._stack.append((tag, effects, form))
        self._open[tag] = self._open.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _RAW_TEXT:
            self._raw = None
            return
        if tag in _VOID:
            if tag == "br":  # </br> is a line break in every browser
                self._emit(_BREAK)
            return
        if self._overflow:
            self._overflow -= 1
        elif self._open.get(tag):
            while self._stack:
                if self._pop() == tag:
                    break
        if tag in _BLOCKS or tag in _CELLS:
            self._emit(_BREAK if tag in _BLOCKS else _CELL)

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            return
        if self._depth[_TITLE]:
            if self._title is not None:
                self._title.append(data)
            return
        if self._depth[_NEVER]:
            return
        if self._depth[_H1] and self._h1 is not None:
            self._h1.append(data)
        kind = _PRE_TEXT if self._depth[_PRE] else _TEXT
        self._tokens.append((
            kind, data, self._depth[_ROOT] > 0, self._depth[_DROPPED] > 0, self._depth[_GUESSED] > 0,
            # Content inside a form marks every open form, so the innermost decides for all:
            # one reference per token, not a copy of the form stack.
            self._forms[-1] if self._forms else None,
        ))

    # --- the stack ----------------------------------------------------------------------

    def _close_implied(self, tag: str) -> None:
        closed = _CLOSED_BY.get(tag) or (_P_ONLY if tag in _BLOCKS else None)
        while closed and self._stack and not self._overflow and self._stack[-1][0] in closed:
            self._pop()

    def _pop(self) -> str:
        tag, effects, form = self._stack.pop()
        self._open[tag] -= 1
        for flag in self._depth:
            if effects & flag:
                self._depth[flag] -= 1
        if effects & _TITLE and self._title is not None:
            title = collapse("".join(self._title))
            self._title = None
            if title:
                self._title_done = True
                self._title_text = title
        if effects & _H1 and self._h1 is not None:
            heading = collapse("".join(self._h1))
            self._h1 = None
            if heading and not self._depth[_DROPPED] and not self._depth[_GUESSED] and not effects & (_DROPPED | _GUESSED):
                self._h1_first = heading
        if form is not None:
            self._forms.remove(form)
        return tag

    def _emit(self, kind: int) -> None:
        self._tokens.append((kind, "", False, False, False, None))

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
        candidates = [self._links.get("canonical"), self._metas.get("og:url")]
        candidates = [c for c in candidates if c]
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
        def dropped(token: tuple) -> bool:
            return token[3] or (token[5] is not None and not token[5].content)

        levels = [lambda t: not t[4] and not dropped(t), lambda t: not dropped(t)]
        for keep in levels:
            text = self._assemble(keep)
            if text:
                break
        else:
            return ""
        if self._has_root:
            # <article>/<main> is the content only when it holds most of it: a small
            # <article> card beside the real body must not replace the body.
            root = self._assemble(lambda t: t[2] and not t[4] and not dropped(t))
            if len(root) >= ROOT_SHARE * len(text):
                return root
        return text

    def _assemble(self, keep) -> str:
        lines: list[str] = []
        cells: list[str] = []
        pieces: list[tuple[str, bool]] = []  # (text, from <pre>)

        def end_cell() -> None:
            if pieces:
                if any(raw for _, raw in pieces):
                    cell = "".join(text if raw else _WS.sub(" ", text) for text, raw in pieces).rstrip(_STRIP)
                else:
                    cell = collapse("".join(text for text, _ in pieces))
                if cell.strip():
                    cells.append(cell)
                pieces.clear()

        def end_line() -> None:
            end_cell()
            if cells:
                lines.append(" | ".join(cells))
                cells.clear()

        for token in self._tokens:
            kind = token[0]
            if kind == _BREAK:
                end_line()
            elif kind == _CELL:
                end_cell()
            elif keep(token):
                if kind == _TEXT:
                    pieces.append((token[1], False))
                else:
                    first, *rest = token[1].replace("\r\n", "\n").split("\n")
                    pieces.append((first, True))
                    for part in rest:
                        end_line()
                        pieces.append((part, True))
        end_line()
        return "\n".join(lines)
