"""Street addresses as Taiwanese text writes them, down to the house number.

Order: (postal code) 縣/市 → 鄉/鎮/市/區 → 村/里 → 鄰 → 路/街/大道 (段) → 巷 → 弄 → 號 → 樓 → 室.
An address starts at a county or city (present or pre-merger, ``places``), at a known
township or district, or — after a label such as 地址： — at the road; it must reach a
house number (號): a road or a village alone is not personal data. Numbers are Arabic,
full-width or Chinese numerals with ○/〇/零 for zero (一○樓之一, 三○一巷二○號, 一二四七號),
with 之 and dash forms (六一號之二, 100之20號, 371－1號). A postal code glued in front, or
after the county (台北市11025信義區), is part of the address.

Matching runs in a window before each 號, so the cost follows the count of 號, not the
length of the text (government text is long and mostly addresses-free).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.core.han import HAN_CLASS
from pipeline.pii.detectors.base import Detector, Measured, PiiType, Span, register
from pipeline.pii.detectors.places import COUNTIES, TOWNSHIPS

_HAN = HAN_CLASS + "?□"  # ? and □ stand for characters lost in an export (石?村)
_NUM = r"(?:[0-9０-９]+|[一二三四五六七八九十百千○〇零]+|[＊*]+)"
_DASH = r"[-－‐–—~～之]"
_S = r"[ 　]?"  # a space agencies sometimes leave between parts


def _trie(names: set[str] | frozenset[str]) -> str:
    """The names as one regex factored by their first characters (臺北(?:市|縣)): the engine
    then tests one branch per character instead of every name in turn, longest first."""
    tree: dict = {}
    for name in names:
        node = tree
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


_COUNTIES = _trie(COUNTIES)
# no optional part in front: the pattern must start with a literal (see _FROM_COUNTY)
_COUNTY = rf"(?:(?:臺灣省|台灣省|福建省){_S}{_COUNTIES}|{_COUNTIES})"
_POSTAL = r"(?<![0-9])[0-9]{3}(?:[0-9]{2,3})?"
_TOWNS = frozenset(t for t in TOWNSHIPS if len(t) > 1)  # an address may start at these
_TOWN_SUFFIX = re.compile("[鄉鎮市區]")
_ANY_TOWN = rf"(?:{_trie(TOWNSHIPS)}|[{_HAN}]{{1,3}}?)[鄉鎮市區]"
_VILLAGE = rf"[{_HAN}]{{1,5}}?[村里](?!路|街)"
_NEIGHBOURHOOD = rf"{_NUM}鄰"
_ROAD = rf"[{_HAN}0-9０-９]{{1,10}}?(?:路|街|大道)(?:{_S}[{_HAN}]{{0,3}}?{_NUM}段|[{_HAN}]{{1,4}}?段)?"
_AREA = rf"[{_HAN}]{{1,6}}?(?:工業區|新村|園區|社區)"  # named areas standing for a road
_PLACE = rf"[{_HAN}]{{1,4}}?"  # a hamlet name before the number in rural addresses (通灣108號)
_LANE = rf"(?:[{_HAN}]{{0,3}}?{_NUM}|[{_HAN}]{{1,4}}?){_S}(?:巷|衖)"  # 3巷, 興中1巷, 華南巷
_ALLEY = rf"{_NUM}{_S}弄(?:{_S}{_NUM}{_S}衖)?"
_HOUSE = rf"{_NUM}(?:{_DASH}{_NUM}){{0,2}}(?:[、,，]{_NUM})*{_S}號(?:{_DASH}{_NUM})?"
_FLOOR = (
    rf"(?:(?:地下|B){_NUM}樓?|{_NUM}{_S}(?:樓|[Ff](?![A-Za-z])))"
    rf"(?:{_DASH}(?:{_NUM}|[A-Za-z][0-9]*)|[A-Za-z](?=室))?"
)
_ROOM = rf"[．.]?(?:{_NUM}|[A-Za-z])室"
_LABEL = r"(?:地址|住址|住所|居所|所址|會址|址設|地點|通訊處|營業所|所在地)[：:]?[ 　]?"

# After the town: village, neighbourhood, then a road or area (or, in the countryside, a
# hamlet name), lanes and alleys, the house number, floor and room.
_STREET = (
    rf"(?:{_S}{_VILLAGE})?(?:{_S}{_NEIGHBOURHOOD})?"
    rf"(?:{_S}(?:{_ROAD}|{_AREA}))?(?:{_S}{_LANE})?(?:{_S}{_ALLEY})?{_S}{_HOUSE}"
    rf"(?:{_S}{_FLOOR})?(?:{_S}{_ROOM})?"
)
_RURAL = (
    rf"{_S}{_VILLAGE}(?:{_S}{_NEIGHBOURHOOD})?{_PLACE}(?:{_S}{_LANE})?{_S}{_HOUSE}"
    rf"(?:{_S}{_FLOOR})?(?:{_S}{_ROOM})?"
)
_TAIL = rf"(?:{_STREET}|{_RURAL})"
# One pattern per way an address starts, each beginning with a literal (the regex engine
# then jumps to the characters that can start a match; a leading optional postal code
# made one combined pattern try every position, five times slower). An address from a
# township is found from its suffix (``_from_town``): a set lookup of the 2–3 characters
# before 鄉/鎮/市/區 is cheaper than any pattern of 330 names. A glued postal code is taken
# in by looking back from the match (``_with_postal_code``).
_FROM_COUNTY = re.compile(rf"{_COUNTY}(?:{_S}{_POSTAL})?(?:{_S}{_ANY_TOWN})?{_TAIL}")
_AFTER_TOWN = re.compile(_TAIL)
_FROM_LABEL = re.compile(
    rf"{_LABEL}(?P<road>{_ROAD}(?:{_S}{_LANE})?(?:{_S}{_ALLEY})?{_S}{_HOUSE}"
    rf"(?:{_S}{_FLOOR})?(?:{_S}{_ROOM})?)"
)
BEFORE = 48  # characters looked at before a 號: the development set's longest address has 31
AFTER = 24  # and after it (floor, room)


def _with_postal_code(window: str, start: int) -> int:
    """Where the address starts once a postal code of 3, 5 or 6 digits glued before it
    (``330桃園縣``, ``330 桃園縣``) is included."""
    at = start - 1 if start and window[start - 1] in " 　" else start
    digits = at
    while digits and "0" <= window[digits - 1] <= "9":
        digits -= 1
    return digits if at - digits in (3, 5, 6) else start


def _town_names(window: str) -> Iterator[tuple[int, int]]:
    """(start of the name, position of its suffix) of each known township, in text order."""
    for suffix in _TOWN_SUFFIX.finditer(window):
        at = suffix.start()
        for size in (3, 2):
            if window[at - size : at] in _TOWNS and at >= size:
                yield at - size, at
                break


def _covering(window: str, at: int) -> tuple[int, int] | None:
    """The address in ``window`` that holds the house number at ``at``: the one starting
    first. A later way of starting is tried only where it could start earlier still."""
    best = None
    for match in _FROM_COUNTY.finditer(window):
        start = _with_postal_code(window, match.start())
        if start > at:
            break
        if at < match.end():
            best = (start, match.end())
            break
    for name, suffix in _town_names(window):
        start = _with_postal_code(window, name)
        if start > at or (best and start >= best[0]):
            break
        tail = _AFTER_TOWN.match(window, suffix + 1)
        if tail and at < tail.end():
            best = (start, tail.end())
            break
    for match in _FROM_LABEL.finditer(window):
        start, end = match.span("road")
        if start > at or (best and start >= best[0]):
            break
        if at < end:
            best = (start, end)
            break
    return best


def find(text: str) -> Iterator[Span]:
    end = 0  # where the last address ended: windows never look back into it
    at = text.find("號")
    while at != -1:
        if at >= end:
            start = max(end, at - BEFORE)
            found = _covering(text[start : at + AFTER], at - start)
            if found:
                yield Span("address", start + found[0], start + found[1])
                end = start + found[1]
        at = text.find("號", at + 1)


register(
    Detector(
        "address",
        find,
        ("address",),
        finds="street addresses down to the house number (every county and township, past and present; Arabic, "
        "full-width or Chinese numerals)",
        misses="addresses that stop before the house number (a road or village alone), and addresses abroad",
        measured=Measured(392, 0.99, 0.98, "hand-labeled real gazette lines"),
    ),
    order=60,
    types=(
        (
            PiiType(
                "address",
                "[ADDRESS]",
                "redact",
                private=True,
                note="street addresses down to the house number, every county past and present",
            ),
            80,
        ),
    ),
)
