"""Taiwan's counties and cities, past and present, with their townships and districts.

The names as they appear in addresses: the 22 counties and cities of today, the
counties merged into special municipalities in 2010 and 2014 (臺北縣, 臺中縣, 臺南縣,
高雄縣, 桃園縣), and each one's townships without their suffix — a township kept its
name when 鄉/鎮/市 became 區 in the mergers, so one base name serves both. Every name
with 臺 is also written with 台, as agencies write both.
"""

from __future__ import annotations

_TOWNSHIPS = {
    "臺北市": "中正 大同 中山 松山 大安 萬華 信義 士林 北投 內湖 南港 文山 古亭 城中 延平 建成 雙園 龍山 景美 木柵",
    "新北市 臺北縣": "板橋 三重 中和 永和 新莊 新店 樹林 鶯歌 三峽 淡水 汐止 瑞芳 土城 蘆洲 五股 泰山 林口 深坑 "
    "石碇 坪林 三芝 石門 八里 平溪 雙溪 貢寮 金山 萬里 烏來",
    "桃園市 桃園縣": "桃園 中壢 平鎮 八德 楊梅 蘆竹 大溪 大園 龜山 龍潭 新屋 觀音 復興",
    "臺中市 臺中縣": "中 東 南 西 北 西屯 南屯 北屯 豐原 東勢 大甲 清水 沙鹿 梧棲 后里 神岡 潭子 大雅 新社 石岡 "
    "外埔 大安 烏日 大肚 龍井 霧峰 太平 大里 和平",
    "臺南市 臺南縣": "中西 中 西 東 南 北 安平 安南 新營 鹽水 白河 柳營 後壁 東山 麻豆 下營 六甲 官田 大內 佳里 "
    "學甲 西港 七股 將軍 北門 新化 善化 新市 安定 山上 玉井 楠西 南化 左鎮 仁德 歸仁 關廟 龍崎 永康",
    "高雄市 高雄縣": "新興 前金 苓雅 鹽埕 鼓山 旗津 前鎮 三民 楠梓 小港 左營 仁武 大社 岡山 路竹 阿蓮 田寮 燕巢 "
    "橋頭 梓官 彌陀 永安 湖內 鳳山 大寮 林園 鳥松 大樹 旗山 美濃 六龜 內門 杉林 甲仙 桃源 那瑪夏 茂林 "
    "茄萣",
    "基隆市": "中正 七堵 暖暖 仁愛 中山 安樂 信義",
    "新竹市": "東 北 香山",
    "嘉義市": "東 西",
    "新竹縣": "竹北 竹東 新埔 關西 湖口 新豐 芎林 橫山 北埔 寶山 峨眉 尖石 五峰",
    "苗栗縣": "苗栗 頭份 竹南 後龍 通霄 苑裡 卓蘭 造橋 西湖 頭屋 公館 大湖 泰安 銅鑼 三義 南庄 獅潭 三灣",
    "彰化縣": "彰化 員林 和美 鹿港 溪湖 二林 田中 北斗 花壇 芬園 大村 永靖 伸港 線西 福興 秀水 埔心 埔鹽 大城 "
    "芳苑 竹塘 溪州 二水 田尾 社頭",
    "南投縣": "南投 埔里 草屯 竹山 集集 名間 鹿谷 中寮 魚池 國姓 水里 信義 仁愛",
    "雲林縣": "斗六 斗南 虎尾 西螺 土庫 北港 古坑 大埤 莿桐 林內 二崙 崙背 麥寮 東勢 褒忠 臺西 元長 四湖 口湖 水林",
    "嘉義縣": "太保 朴子 布袋 大林 民雄 溪口 新港 六腳 東石 義竹 鹿草 水上 中埔 竹崎 梅山 番路 大埔 阿里山",
    "屏東縣": "屏東 潮州 東港 恆春 萬丹 長治 麟洛 九如 里港 鹽埔 高樹 萬巒 內埔 竹田 新埤 枋寮 新園 崁頂 林邊 "
    "南州 佳冬 琉球 車城 滿州 枋山 三地門 霧臺 瑪家 泰武 來義 春日 獅子 牡丹",
    "宜蘭縣": "宜蘭 羅東 蘇澳 頭城 礁溪 壯圍 員山 冬山 五結 三星 大同 南澳",
    "花蓮縣": "花蓮 鳳林 玉里 新城 吉安 壽豐 光復 豐濱 瑞穗 富里 秀林 萬榮 卓溪",
    "臺東縣": "臺東 成功 關山 卑南 大武 太麻里 東河 長濱 鹿野 池上 綠島 延平 海端 達仁 金峰 蘭嶼",
    "澎湖縣": "馬公 湖西 白沙 西嶼 望安 七美",
    "金門縣": "金城 金湖 金沙 金寧 烈嶼 烏坵",
    "連江縣": "南竿 北竿 莒光 東引",
}


def _both_spellings(names: set[str]) -> set[str]:
    return names | {n.replace("臺", "台") for n in names}


COUNTIES = frozenset(_both_spellings({county for key in _TOWNSHIPS for county in key.split()}))
TOWNSHIPS = frozenset(_both_spellings({name for names in _TOWNSHIPS.values() for name in names.split()}))
