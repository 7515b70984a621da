"""Character classes shared by the stages that look at Chinese text."""

from __future__ import annotations

import re

# CJK Unified Ideographs with extension A, compatibility ideographs and extensions B–H,
# as the body of a regex character class.
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"

# A line that opens a list item or a heading in Chinese official text: 一、 (一) 第三條 附件 …
STARTS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、．.]|第[ \t]*[一二三四五六七八九十百零\d]+[ \t]*[章節條款項編篇]|附[件表錄])"
)
