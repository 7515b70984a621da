"""Surnames of Taiwan: the single surnames that cover nearly all of the population (the
household-registration top 200 and more), and the compound ones in use. A married
woman's name may carry two surnames (孫李寶玉, 陳吳秋花), which the person detector allows.
"""

from __future__ import annotations

SINGLE = frozenset(
    "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋"
    "鄧杜傅侯曹薛丁卓阮馬董温溫唐藍石蔣古紀姚連馮歐程湯田康姜白汪鄒尤巫鐘黎涂凃龔嚴韓袁金童陸夏柳邵錢伍倪于譚"
    "駱熊任甘秦顧毛章史官萬俞雷粘饒闕凌崔尹孔辛武辜陶易段龍韋池葛褚孟麥殷莫文賀賈管關包向丘梅華利裴樊房全佘左"
    "花區魯安鮑郝穆塗邢蒲成谷常閻練盛鄔耿聶符申祝繆陽解曲岳齊籃應單舒畢喬龐艾焦鄞強牛滕景鄢遲酆仇鄂查晏冷卜"
    "衛封柴苗湛滿荊霍虞郁鞏車計尚翟刁寇樂雲蓋戚桂雍鍾廉麻萬芮狄儲牟宗匡冉談宣賁屈項尉豐彥璩藺植郎伏蘭羊"
    "鄺嵇諶竇勞逄隋邰靳柏楚冀禹卞濮昌蒙茅巴蓬薄邴"
)
COMPOUND = frozenset(
    "歐陽 司馬 諸葛 上官 司徒 東方 張簡 范姜 張廖 廖張 徐辜 夏侯 皇甫 公孫 端木 令狐 慕容 長孫 "
    "宇文 南宮 尉遲 澹臺 澹台 鍾離 呼延 左丘 西門 單于 軒轅 第五".split()
)
