"""A generator of Taiwan personal data in Chinese sentences, for tests and the benchmark.

Every item has a valid checksum where its kind has one, and appears in every written form
the detectors promise to handle, glued to Chinese text without spaces. Look-alikes
(invalid-checksum IDs, unified business numbers, dates, document and article numbers)
come from the same generator and must never be detected.
"""

from __future__ import annotations

import random

from pipeline.pii.detectors.national_id import LETTER_CODES, WEIGHTS

LETTERS = sorted(LETTER_CODES)


def _id_check(prefix_digits: list[int]) -> int:
    partial = sum(d * w for d, w in zip(prefix_digits, WEIGHTS[:10]))
    return (10 - partial % 10) % 10


def _with_check(letter: str, second: str, body: str, valid: bool = True) -> str:
    code = LETTER_CODES[letter]
    second_digit = LETTER_CODES[second] % 10 if second.isalpha() else int(second)
    check = _id_check([code // 10, code % 10, second_digit] + [int(c) for c in body])
    if not valid:
        check = (check + 1 + int(body[0]) % 9) % 10
    return f"{letter}{second}{body}{check}"


def national_id(rng: random.Random, valid: bool = True) -> str:
    return _with_check(rng.choice(LETTERS), rng.choice("12"), f"{rng.randrange(10**7):07d}", valid)


def arc_new(rng: random.Random) -> str:
    return _with_check(rng.choice(LETTERS), rng.choice("89"), f"{rng.randrange(10**7):07d}")


def arc_old(rng: random.Random) -> str:
    return _with_check(rng.choice(LETTERS), rng.choice("ABCD"), f"{rng.randrange(10**7):07d}")


def mobile(rng: random.Random) -> str:
    d = f"9{rng.randrange(10**8):08d}"
    return rng.choice(
        [
            f"0{d}",
            f"0{d[:3]}-{d[3:6]}-{d[6:]}",
            f"0{d[:3]} {d[3:6]} {d[6:]}",
            f"+886 {d[:3]} {d[3:6]} {d[6:]}",
            f"+886-{d}",
            f"+886{d}",
        ]
    )


def landline(rng: random.Random) -> str:
    area, local = rng.choice(
        [
            ("2", 8),
            ("3", 7),
            ("37", 6),
            ("4", 7),
            ("4", 8),
            ("49", 7),
            ("5", 7),
            ("6", 7),
            ("7", 7),
            ("8", 7),
            ("82", 6),
            ("826", 5),
            ("836", 5),
            ("89", 6),
        ]
    )
    n = f"{rng.randrange(2 * 10 ** (local - 1), 10**local)}"
    head, tail = n[:-4], n[-4:]
    return rng.choice(
        [
            f"(0{area}){head}-{tail}",
            f"0{area}-{head}-{tail}",
            f"0{area}-{n}",
            f"+886-{area}-{head}-{tail}",
            f"(0{area}) {head} {tail}",
        ]
    )


def email(rng: random.Random) -> str:
    user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
    return f"{user}{rng.choice(['', '.tw', '_01', '.chen'])}@{rng.choice(['gmail.com', 'mail.gov.tw', 'ntu.edu.tw', 'example.com.tw'])}"


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        candidate = body + check
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def card(rng: random.Random) -> str:
    number = luhn_complete(rng.choice(["4", "51", "55", "35", "62"]), 16, rng)
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice([number, " ".join(groups), "-".join(groups)])


def passport(rng: random.Random) -> str:
    return f"{rng.randrange(3 * 10**8, 10**9)}"


def nhi(rng: random.Random) -> str:
    n = f"{rng.randrange(10**12):012d}"
    return rng.choice([n, f"{n[:4]}-{n[4:8]}-{n[8:]}"])


CITIES = ["臺北市", "新北市", "桃園市", "臺中市", "臺南市", "高雄市", "新竹縣", "彰化縣", "花蓮縣", "台東縣"]
DISTRICTS = ["中正區", "板橋區", "中壢區", "西屯區", "東區", "苓雅區", "竹北市", "員林市", "吉安鄉", "池上鄉"]
ROADS = ["重慶南路", "中山路", "民生東路", "文化街", "復興北路", "成功大道", "自由路"]


def address(rng: random.Random) -> str:
    parts = [rng.choice(CITIES), rng.choice(DISTRICTS)]
    if rng.random() < 0.2:
        parts.append(rng.choice(["光明里", "新興村"]) + f"{rng.randint(1, 30)}鄰")
    parts.append(rng.choice(ROADS))
    if rng.random() < 0.5:
        parts.append(rng.choice(["一", "二", "三", "1", "2"]) + "段")
    if rng.random() < 0.4:
        parts.append(f"{rng.randint(1, 300)}巷")
    if rng.random() < 0.3:
        parts.append(f"{rng.randint(1, 30)}弄")
    parts.append(f"{rng.randint(1, 400)}" + (f"之{rng.randint(1, 9)}" if rng.random() < 0.2 else "") + "號")
    if rng.random() < 0.5:
        parts.append(f"{rng.randint(1, 20)}樓")
    return "".join(parts)


def business_number(rng: random.Random) -> str:
    """A valid 統一編號 (unified business number): a company, never personal data."""
    weights = (1, 2, 1, 2, 1, 2, 4, 1)
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        total = sum(sum(divmod(d * w, 10)) for d, w in zip(digits, weights))
        if total % 5 == 0 or (digits[6] == 7 and (total + 1) % 5 == 0):
            return "".join(map(str, digits))


# (type, generator, sentence templates); {} is where the item goes, glued to the text.
KINDS = [
    ("tw_id", national_id, ["身分證字號{}，", "申請人{}已完成登記。", "統一編號：{}"]),
    ("tw_arc", arc_new, ["居留證號碼{}。", "外籍配偶（{}）申請"]),
    ("tw_arc", arc_old, ["舊式居留證{}仍可使用", "統一證號{}，"]),
    ("phone", mobile, ["請撥{}聯絡", "手機：{}。", "電話{}或來信"]),
    ("phone", landline, ["服務專線{}，", "市話：{}（上班時間）", "請電{}洽詢"]),
    ("email", email, ["信箱{}，", "請寄至{}謝謝", "聯絡方式：{}。"]),
    ("credit_card", card, ["信用卡號{}已停用", "卡號：{}，"]),
    ("passport", passport, ["護照號碼{}，", "護照號碼：{}。", "持中華民國護照{}入境"]),
    ("nhi_card", nhi, ["健保卡號{}，", "健保卡號碼：{}。"]),
    ("address", address, ["住址{}，", "地址：{}。", "寄送至{}"]),
]

NEGATIVES = [
    lambda rng: f"身分證字號{national_id(rng, valid=False)}有誤",
    lambda rng: f"公司統一編號{business_number(rng)}，",
    lambda rng: f"中華民國{rng.randint(80, 115)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日公布",
    lambda rng: f"會議日期{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}。",
    lambda rng: f"行政院{rng.randint(100, 115)}年院臺規字第{rng.randint(10**9, 10**10 - 1)}號函",
    lambda rng: f"依第 {rng.randint(1, 200)} 條第 {rng.randint(1, 5)} 項規定",
    lambda rng: f"預算{rng.randint(10**6, 10**9):,}元，占{rng.randint(1, 99)}.{rng.randint(0, 9)}%",
    lambda rng: f"文號{rng.randint(10**8, 10**9 - 1)}，",
]


def items(rng: random.Random, per_kind: int) -> list[tuple[str, str, str]]:
    """(type, secret, sentence) for every kind and template."""
    out = []
    for kind, generate, templates in KINDS:
        for i in range(per_kind):
            secret = generate(rng)
            out.append((kind, secret, "這是第一句話。" + templates[i % len(templates)].format(secret) + "以上。"))
    return out


def negatives(rng: random.Random, n: int) -> list[str]:
    return [NEGATIVES[i % len(NEGATIVES)](rng) for i in range(n)]
