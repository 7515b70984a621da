"""Sensitive personal data (PDPA Art. 6): an identified private person with a special category.

The Personal Data Protection Act singles out medical records, medical treatment, genetic
data, sexual life, health examinations and criminal records (病歷、醫療、基因、性生活、健康檢查
及犯罪前科). A document is flagged with such a category only where the words of the category,
in a phrasing that speaks of someone (罹患癌症, 受羈押, 判處有期徒刑, 基因檢測結果 …), stand
near an identified private person: a ``person`` span of the pii stage (or a national ID,
resident certificate, passport or health-card number, or a date of birth), within the
same clause or ``NEAR`` characters. Regulations that only speak of such things in general
(本法所稱醫療機構, 受有期徒刑一年以上刑之宣告確定者, 犯罪被害人保護法, 醫療法第N條) name no private
person, and their generic clauses and law names are not counted even where a detector
took a word for a name.

An official (``official`` span: 部長 李逸洋, a physician named with his office) is no anchor,
unless the case is about the official himself: the name followed at once by 因, 涉嫌,
犯, 遭, 罹 … (議員林朝寶因妨害公務案件，經…判處有期徒刑). Case documents refer to their
subject by role after naming them once (申辯人, 被付懲戒人, 請求人, 張員): where the document
names a few private persons, such a role word anchors too.

``sensitive_categories(text, spans)`` returns one ``Evidence`` per category found (in
``CATEGORIES`` order): the words, their offsets, and the anchor span, so the stage can say
why (``describe``) without repeating the name. README: "Sensitive personal data" has the
figures on the development set (tests/labels/sensitive.jsonl).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import NamedTuple

from pipeline.core.han import HAN_CLASS
from pipeline.pii.detectors.base import TYPES, Measured, Span
from pipeline.pii.detectors.surnames import COMPOUND, SINGLE

CATEGORIES = ("medical", "genetic", "sexual_life", "health_exam", "criminal_record")

# Spans that identify a private person.
ANCHOR_TYPES = frozenset(t.name for t in TYPES.values() if t.identifies)  # declared with each type
# How far (characters) a category's words may stand from the person when not in the same
# clause (tuned on the development set: README "Sensitive personal data").
NEAR = 120
# Role words stand for the subject only in case documents, which name a few persons; a
# register names hundreds, and a role word there says nothing about which one.
MAX_PERSONS_FOR_ROLES = 6
# Measured on the development set, documents: every record of the ten real gazette issues
# and the sample corpus that holds a category word, read and labeled (tests/test_sensitive.py
# measures it again and fails below).
MEASURED = Measured(58, 1.0, 1.0, "hand-labeled real records holding a category word (4 disclose one)")

_HAN = HAN_CLASS


def _lead(heads: str, rest: str) -> list[str]:
    """``(?:a|b)rest`` written as ``arest|brest``: every alternative of the joined pattern then
    starts with a literal character, which lets the regex engine skip to the characters that
    can start a match (one pattern with a group or look-behind in front is five times slower)."""
    return [head + rest for head in heads.split("|")]


# The words of each category, in a phrasing about someone. Every alternative starts with a
# literal character; all are joined into one regex, so a text is scanned once.
TERMS: dict[str, list[str]] = {
    "medical": [
        "病歷",
        "診斷(?:為|出|證明|書)",
        "經(?:醫師|醫院)?診斷",
        "罹患",
        "罹癌",
        "罹病",
        "患有",
        "就醫",
        "就診",
        "住院",
        "出院",
        "開刀",
        "接受手術",
        "癌症",
        "腫瘤",
        "中風",
        "失智",
        "憂鬱症",
        "精神(?:疾病|病(?![人患院房])|分裂|障礙|異常)",
        "思覺失調",
        "躁鬱",
        "癲癇",
        "洗腎",
        "植物人",
        "愛滋",
        "HIV",
        "AIDS",
        "感染者",
        "身心障礙(?:手冊|證明|者)",
        "重度(?:身心)?障礙",
        "重大傷病",
        *_lead("接受|長期|住院|持續|需", "治療"),
        "治療中",
        "病逝",
        "病故",
        "病危",
        "懷孕",
        "流產",
        "墮胎",
        "藥癮",
        "酒癮",
    ],
    "genetic": [
        "基因(?:檢測|檢驗|鑑定|篩檢|型|序列|缺陷|突變|資料|報告)",
        "DNA(?:鑑定|比對|檢測|型別)",
        "親子鑑定",
        "血緣鑑定",
        "遺傳性?疾病",
        "染色體異常",
    ],
    "sexual_life": [
        "性行為",
        "性關係",
        "性生活",
        "性交易",
        "強制性交",
        "性侵害?",
        "性交(?![流通換])",
        "猥褻",
        "性騷擾",
        "通姦",
        "相姦",
        "外遇",
        "婚外情",
        "同性戀",
        "性傾向",
        "援交",
        "嫖妓",
        "賣淫",
    ],
    "health_exam": [
        "健康檢查(?:結果|報告|紀錄|異常)",
        "健檢(?:結果|報告)",
        "體檢(?:結果|報告|不合格|合格)",
        "體格檢查(?:結果|報告|不合格)",
        "檢查結果(?:顯示|為|異常)",
        "檢驗報告",
        "驗血",
        "血液檢查",
        "尿液(?:檢驗|檢查|篩檢|檢體)",
        "胸部X光",
        "心電圖",
    ],
    "criminal_record": [
        "前科",
        "犯罪紀錄",
        "刑案紀錄",
        "素行不良",
        *_lead("判處|判決處|處|判", "(?:有期|無期)?徒刑"),
        "有期徒刑",
        "無期徒刑",
        "死刑",
        "拘役",
        "判刑",
        "緩刑",
        "假釋",
        "受刑人",
        "通緝",
        "羈押",
        "交保",
        "具保",
        "緩起訴",
        "不起訴",
        "起訴(?!訟)",
        "公訴",
        "罪嫌",
        "涉嫌[^，。；\\n]{0,10}?(?:犯罪|罪|走私|詐欺|詐騙|竊盜|殺人|販毒|毒品|貪污|洗錢|偽造|侵占|背信|強盜|搶奪|恐嚇|賭博|性侵)",
        "涉犯",
        "觸犯",
        "判決有罪",
        "有罪判決",
        "刑事(?:簡易)?判決",
        "刑事案件",
        "偵查中",
        "入監",
        "服刑",
        "在監",
        "出獄",
        "執行完畢",
        "褫奪公權",
        "冤獄",
        "保護管束",
        "觀察勒戒",
        "強制戒治",
        "監獄",
        "看守所",
        "戒治所",
        "勒戒所",
        "少年輔育院",
        *_lead("施用|持有|販賣|運輸|製造", "(?:第[一二三四]級)?毒品"),
        "毒品案",
        *_lead("違反", "(?:毒品危害防制條例|貪污治罪條例|槍砲彈藥刀械管制條例|洗錢防制法|組織犯罪防制條例)"),
        "妨害[^\\s，。；：、]{1,4}?(?:未遂)?(?:罪|案)",
        *_lead(
            "殺人|竊盜|詐欺|侵占|背信|偽造文書|貪污|走私|強盜|搶奪|恐嚇|賭博|叛亂|內亂|外患|公共危險",
            "(?:未遂)?(?:罪|案)",
        ),
    ],
}
_TERM = re.compile("|".join(alt for alts in TERMS.values() for alt in alts))
_CATEGORY = {name: re.compile("|".join(alts)) for name, alts in TERMS.items()}
# Characters before words that make them something else: 提起訴訟, 制度性交流, 國際性交流.
_NOT_AFTER = {"起訴": "提", "性交": "度際"}


def _category(m: re.Match[str]) -> str | None:
    word = m.group()
    before = m.string[m.start() - 1 : m.start()] if m.start() else ""
    for head, chars in _NOT_AFTER.items():
        if word.startswith(head) and before and before in chars:
            return None
    for name, pattern in _CATEGORY.items():
        if pattern.fullmatch(word):
            return name
    return None


# A clause: the stretch between these (a table cell is a line of its own).
_CLAUSE_END = re.compile("[。；！？\n]")
# Generic, regulatory language in a clause: conditions, duties, lists of kinds.
_GENERIC = re.compile(
    rf"者(?=[，。；：、）)」\s]|$)|之一|不得|不在此限|下列|各款|前項|本(?:法|條例|辦法|規則|細則|要點|準則|標準|原則)"
    rf"|應(?:檢具|於|依|備)|得(?:申請|免|不)|[{_HAN}]{{0,6}}(?:人員|機構|業者)(?:之|應|得|有)"
)
# A law or regulation named around the words (犯罪被害人保護法, 醫療法第11條, 「精神衛生法」).
_LAW_NAME = re.compile(
    rf"[{_HAN}]{{0,16}}?(?:法|條例|細則|辦法|規則|準則|要點)(?=第[0-9０-９一二三四五六七八九十百]+條|施行細則|[」』])"
    rf"|「[^「」\n]{{1,40}}」|『[^『』\n]{{1,40}}』"
)

_SURNAME = "(?:" + "|".join(sorted(COMPOUND)) + "|[" + "".join(sorted(SINGLE)) + "])"
# How case documents refer to their subject once named.
_ROLE = re.compile(
    rf"申辯人|被付懲戒人|被彈劾人|被懲戒人|請求人|聲請人|被告人?|受判決人|受處分人|該員|該名|{_SURNAME}員(?![{_HAN}])"
)
# Words the name rules take for names on the development set (應立即, 負責人應每年, 任現職等,
# 申辯書): no person.
_NOT_A_NAME = re.compile("應[立每即予於當該]|任現職|申辯書")
# An official who is the subject of the case: the name, then at once what befell them.
_SUBJECT_AFTER = re.compile(r"[ 　]?(?:因|涉嫌|涉犯|涉|犯|遭|被|罹|經[^，。；\n]{0,24}判)")


class Evidence(NamedTuple):
    category: str  # one of CATEGORIES
    term: str  # the words found
    start: int
    end: int
    person: Span  # the private person (or identifying number) they stand near
    distance: int  # characters between the words and that span, or the role word (0: touching)
    via: str = ""  # the role word that stood for the person (申辯人), when the name was farther


def sensitive_categories(text: str, spans: list[Span]) -> list[Evidence]:
    """One piece of evidence per special category found about a private person, in
    ``CATEGORIES`` order; [] when none. ``spans`` are what ``pipeline.pii.detect.detect(text)``
    returned for the text (the pii stage's spans, NER names included)."""
    anchors = [
        s
        for s in spans
        if (s.type in ANCHOR_TYPES and not _NOT_A_NAME.match(text, s.start, s.end))
        or (s.type == "official" and _SUBJECT_AFTER.match(text, s.end))
    ]
    if not anchors:
        return []
    hits = list(_TERM.finditer(text))
    if not hits:
        return []
    anchors.sort(key=lambda s: s.start)
    names = {text[s.start : s.end] for s in anchors if s.type in ("person", "official")}
    surnames = {name[0] for name in names} if len(names) <= MAX_PERSONS_FOR_ROLES else None
    starts = [s.start for s in anchors]
    found: dict[str, Evidence] = {}
    for m in hits:
        category = _category(m)
        if category is None or (category in found and found[category].distance == 0):
            continue
        evidence = _evidence(text, m, category, anchors, starts, surnames)
        if evidence and (category not in found or evidence.distance < found[category].distance):
            found[category] = evidence
    return [found[c] for c in CATEGORIES if c in found]


def _evidence(
    text: str, m: re.Match[str], category: str, anchors: list[Span], starts: list[int], surnames: set[str] | None
) -> Evidence | None:
    start, end = m.span()
    if _in_law_name(text, start, end) or _listed(text, start, end):
        return None
    clause_start, clause_end = _clause(text, start, end)
    anchor, distance = _nearest(anchors, starts, start, end)
    if anchor is not None and anchor.start < clause_end and anchor.end > clause_start:
        return Evidence(category, m.group(), start, end, anchor, distance)  # the same clause
    if _GENERIC.search(text, clause_start, clause_end):
        return None
    if anchor is not None and distance <= NEAR:
        return Evidence(category, m.group(), start, end, anchor, distance)
    role = _role_near(text, start, end, surnames) if surnames is not None else None
    if role is None:
        return None
    anchor, _ = _nearest(anchors, starts, *role)  # the subject the role stands for
    assert anchor is not None  # anchors is never empty here: one of them is the nearest
    return Evidence(
        category, m.group(), start, end, anchor, max(0, role[0] - end, start - role[1]), text[role[0] : role[1]]
    )


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - 200)
    before = [x.end() for x in _CLAUSE_END.finditer(text, lo, start)]
    after = _CLAUSE_END.search(text, end, end + 200)
    return (before[-1] if before else lo), (after.start() if after else min(len(text), end + 200))


def _nearest(anchors: list[Span], starts: list[int], start: int, end: int) -> tuple[Span | None, int]:
    """The anchor closest to [start, end) and its distance (0: overlapping or touching)."""
    i = bisect_left(starts, start)
    best, gap = None, 1 << 30
    for s in anchors[max(0, i - 2) : i + 2]:  # spans never overlap: the neighbours in order are the closest
        d = max(0, start - s.end, s.start - end)
        if d < gap:
            best, gap = s, d
    return best, gap


def _role_near(text: str, start: int, end: int, surnames: set[str]) -> tuple[int, int] | None:
    best = None
    for r in _ROLE.finditer(text, max(0, start - NEAR), min(len(text), end + NEAR)):
        if r.group().endswith("員") and len(r.group()) == 2 and r.group()[0] not in surnames:
            continue  # 張員 stands for 張毛雲宣; 成員, 委員 stand for nobody
        if best is None or abs(r.start() - start) < abs(best[0] - start):
            best = r.span()
    return best


def _in_law_name(text: str, start: int, end: int) -> bool:
    lo = max(0, start - 20)
    return any(x.start() <= start and end <= x.end() for x in _LAW_NAME.finditer(text, lo, min(len(text), end + 24)))


def _listed(text: str, start: int, end: int) -> bool:
    """The words stand in a list of kinds (病歷、醫療、基因、性生活、健康檢查及犯罪前科): 、 right
    before or after, or 及 或 與 before with a 、 shortly before that."""
    before, after = text[start - 1 : start] if start else "", text[end : end + 1]
    if before == "、" or after == "、":
        return True
    return bool(before and before in "及或與" and "、" in text[max(0, start - 14) : start])


def categories(evidence: list[Evidence]) -> list[str]:
    """The ``sensitive`` column: the categories found, in ``CATEGORIES`` order."""
    return [e.category for e in evidence]


def describe(evidence: list[Evidence]) -> str:
    """A reject detail that says why without repeating the name: ``medical (罹患, 12 characters
    from a private person at 158); criminal_record (…)``."""
    return "; ".join(
        f"{e.category} ({e.term}, {e.distance} characters from "
        f"{'the ' + e.via + ', ' if e.via else ''}a private "
        f"{'person' if e.person.type in ('person', 'official') else e.person.type} at {e.person.start})"
        for e in evidence
    )
