"""Street addresses in Taiwanese form: 縣/市 → 鄉/鎮/市/區 → (村/里, 鄰) → 路/街/大道 (段) → 巷 → 弄 → 號 (樓).

An address starts at one of the 22 counties and cities and must reach a house number (號):
a road or a district alone is not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.pii.detectors.base import Span

CITIES = ("臺北市", "台北市", "新北市", "桃園市", "臺中市", "台中市", "臺南市", "台南市", "高雄市", "基隆市", "新竹市",
          "嘉義市", "新竹縣", "苗栗縣", "彰化縣", "南投縣", "雲林縣", "嘉義縣", "屏東縣", "宜蘭縣", "花蓮縣", "臺東縣",
          "台東縣", "澎湖縣", "金門縣", "連江縣")
_HAN = r"\u4e00-\u9fff"
_NUM = r"(?:\d+|[一二三四五六七八九十]+)"
_PATTERN = re.compile(
    r"(?:" + "|".join(CITIES) + r")"
    + rf"(?:[{_HAN}]{{1,3}}?[鄉鎮市區])?"  # district
    + rf"(?:[{_HAN}]{{1,3}}?[村里])?(?:\d+鄰)?"  # village and neighbourhood
    + rf"[{_HAN}\d]{{1,8}}?(?:路|街|大道)"  # road
    + rf"(?:{_NUM}段)?(?:\d+巷)?(?:\d+弄)?"
    + r"\d+(?:之\d+)?號"
    + rf"(?:{_NUM}樓(?:之\d+)?)?(?:\d+室)?"
)


def find(text: str) -> Iterator[Span]:
    if "號" not in text:
        return
    for match in _PATTERN.finditer(text):
        yield Span("address", match.start(), match.end())
