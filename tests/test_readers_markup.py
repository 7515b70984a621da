"""The HTML and XML readers (pipeline.ingest.readers.html, .xml) and markup.html_to_text."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from pipeline.ingest.manifest import Manifest, XmlOptions
from pipeline.ingest.readers.base import Problem, Record
from pipeline.ingest.readers.html import read_html
from pipeline.ingest.readers.markup import HtmlPage, html_to_text, parse_html
from pipeline.ingest.readers.xml import MAX_DEPTH, read_xml

GAZETTE = XmlOptions(
    record_path=".//Record",
    text_fields=("Content",),
    html_fields=("Content",),
    title_field="Title",
    url_field="Url",
    date_field="PubDate",
)
MANIFEST = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x", xml=GAZETTE)


def read(reader, path: Path, m: Manifest = MANIFEST) -> list[Record | Problem]:
    return list(reader(path, m))


# --- html_to_text -----------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="zh-Hant"><head>
<meta charset="utf-8">
<title>行政院
 新聞稿</title>
<link rel="stylesheet" href="/s.css"><link rel="canonical" href="https://www.ey.gov.tw/Page/9277F759E41CCD91/1">
<meta property="og:url" content="https://www.ey.gov.tw/og">
<meta name="pubdate" content="20240102">
<style>p { color: red }</style>
<script>var html = "<p>不是內文</p>";</script>
</head>
<body class="has-sidebar">
<header><h1>行政院 Executive Yuan</h1><nav><ul><li>首頁<li>新聞</ul></nav></header>
<div class="breadcrumb">首頁 &gt; 新聞與公告</div>
<div id="mainMenu"><a href="/">選單</a></div>
<main>
<article>
  <h2>院會決議</h2>
  <p>行政院今天
  召開院會，  通過　三項議案。</p>
  <div class="social-share">分享到臉書</div>
  <p>A&amp;B&nbsp;&nbsp;&#x4E2D;文&lt;tag&gt;</p>
  <footer>發布單位：新聞傳播處</footer>
</article>
</main>
<aside>相關新聞</aside>
<form action="/search"><input name="q"><button>搜尋</button></form>
<footer>© 行政院</footer>
<noscript>請啟用 JavaScript</noscript>
</body></html>
"""


def test_only_the_article_is_kept_with_title_url_date():
    page = parse_html(PAGE)
    assert page.text == "院會決議\n行政院今天召開院會， 通過　三項議案。\nA&B 中文<tag>"
    assert page.title == "行政院新聞稿"  # a line break between two CJK characters is no space
    assert page.url == "https://www.ey.gov.tw/Page/9277F759E41CCD91/1"  # canonical before og:url
    assert page.date == "20240102"  # as written: ingest reads it (tests/test_dates.py)


def test_without_article_navigation_and_boilerplate_are_dropped():
    html = """<html><body>
    <div id="header"><a>登入</a></div>
    <nav>首頁 | 關於</nav>
    <div class="content"><h1>公告事項</h1><p>第一段。</p><ul><li>甲<li>乙</ul></div>
    <div class="sidebar-left">側欄連結</div>
    <div role="navigation">導覽</div>
    <div hidden>隱藏</div><div style="display: none">也隱藏</div>
    <div class="unavailable">仍然保留</div>
    <footer>地址：臺北市</footer>
    </body></html>"""
    assert html_to_text(html) == ("公告事項\n第一段。\n甲\n乙\n仍然保留", "公告事項")


def test_tables_join_cells_with_a_bar_and_rows_with_lines():
    html = """<table><caption>預算表</caption>
    <tr><th>機關</th><th>金額</th></tr>
    <tr><td>內政部<td>1,000
    <tr><td>外交部</td><td></td><td>  2,000 </td></tr>
    </table><p>後記</p>"""
    assert html_to_text(html) == ("預算表\n機關 | 金額\n內政部 | 1,000\n外交部 | 2,000\n後記", None)


def test_entities_and_whitespace():
    html = "<p>&lt;法&gt; &amp;&#34;&quot; &copy;&#169;\t\n  &nbsp; x&unknown;</p><p>\u3000\u3000第一條</p>"
    assert html_to_text(html) == ('<法> &"" ©© x&unknown;\n\u3000\u3000第一條', None)


def test_pre_keeps_its_whitespace():
    assert html_to_text("<p>程式</p><pre>  a  =  1\n    b</pre>") == ("程式\n  a  =  1\n    b", None)


def test_title_falls_back_to_the_first_h1_outside_boilerplate():
    html = "<header><h1>網站名稱</h1></header><h1>真正的標題</h1><p>內文</p>"
    assert html_to_text(html) == ("真正的標題\n內文", "真正的標題")


def test_aspnet_page_wrapped_in_a_form_keeps_its_content():
    html = """<body><form id="form1" method="post"><div id="wrapper">
    <form class="search"><input name="q"><button>搜尋</button><span>熱門關鍵字</span></form>
    <p>公告內容</p></div></form></body>"""
    assert html_to_text(html) == ("公告內容", None)


def test_wrong_guesses_are_undone_when_nothing_else_is_left():
    assert html_to_text('<div id="header-and-content"><p>唯一內文</p></div><nav>選單</nav>') == ("唯一內文", None)
    assert html_to_text("<nav>首頁</nav><footer>版權</footer>") == ("", None)


def test_malformed_html_is_read_as_far_as_it_goes():
    html = "<div><p>一<p>二<ul><li>三<li>四</ul><div>五 <b>粗 <i>斜</div></span></p></p>< p >六 &amp <!-- 註 --> </"
    assert html_to_text(html) == ("一\n二\n三\n四\n五 粗 斜\n< p >六 & </", None)


def test_twenty_thousand_nested_divs():
    closed = "<div>" * 20_000 + "深處的文字" + "</div>" * 20_000 + "<p>之後</p>"
    assert html_to_text(closed) == ("深處的文字\n之後", None)
    unclosed = "<div><span>" * 20_000 + "未關閉"
    assert html_to_text(unclosed) == ("未關閉", None)


# --- read_html --------------------------------------------------------------------------


def test_read_html_one_document(tmp_path):
    path = write(tmp_path, "a.html", PAGE)
    assert read(read_html, path) == [
        Record(
            text="院會決議\n行政院今天召開院會， 通過　三項議案。\nA&B 中文<tag>",
            title="行政院新聞稿",
            url="https://www.ey.gov.tw/Page/9277F759E41CCD91/1",
            date="20240102",
        )
    ]


def test_read_html_og_url_and_relative_canonical(tmp_path):
    og = write(
        tmp_path,
        "og.html",
        '<meta property="og:url" content="https://a.gov.tw/x"><meta name="date" '
        'content="2024-05-06T10:00:00+08:00"><p>內文</p>',
    )
    assert read(read_html, og) == [Record(text="內文", url="https://a.gov.tw/x", date="2024-05-06T10:00:00+08:00")]
    relative = write(
        tmp_path,
        "rel.html",
        '<base href="https://b.gov.tw/news/"><link rel="canonical" href="12.html">'
        '<meta property="article:published_time" content="2024/5/6"><p>內文</p>',
    )
    assert read(read_html, relative) == [Record(text="內文", url="https://b.gov.tw/news/12.html", date="2024/5/6")]


def test_read_html_big5(tmp_path):
    html = '<html><head><meta charset="big5"><title>臺灣公報</title></head><body><p>中華民國憲法</p></body></html>'
    path = write(tmp_path, "b.htm", html, "big5")
    assert read(read_html, path) == [Record(text="中華民國憲法", title="臺灣公報")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  \n",
        b"<html><head><title>\xe7\xa9\xba</title></head><body> </body></html>",
        b"<script>x()</script><nav>menu</nav>",
    ],
)
def test_read_html_empty(tmp_path, data):
    [problem] = read(read_html, write(tmp_path, "e.html", data))
    assert problem.reason == "empty"


def test_read_html_undecodable(tmp_path):
    path = write(tmp_path, "x.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    [problem] = read(read_html, path)
    assert problem.reason == "undecodable"


# --- read_xml ---------------------------------------------------------------------------

GAZETTE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Gazette xmlns="urn:ey:gazette">
  <Volume>113</Volume>
  <Records>
    <Record id="A1">
      <Title>  公告修正
        「食品安全衛生管理法」 </Title>
      <Content><![CDATA[<p>第一條</p><p>第二段&nbsp;內容</p><script>x()</script>]]></Content>
      <PubDate>20240102</PubDate>
      <Url>https://gazette.nat.gov.tw/1</Url>
      <Chapter>財政經濟篇</Chapter>
      <Keyword>食品</Keyword>
      <Keyword>衛生</Keyword>
      <Attachment><File>a.pdf</File></Attachment>
      <Empty/>
    </Record>
    <Record>
      <Title>無內文的公告</Title>
      <Content>   </Content>
    </Record>
    <Record>
      <Title>第三則</Title>
      <Content>&lt;div&gt;轉義的 &amp;lt;HTML&amp;gt;&lt;/div&gt;</Content>
      <Content><p>內嵌<b>XHTML</b></p>尾巴</Content>
      <PubDate>2024/3/4</PubDate>
    </Record>
  </Records>
</Gazette>
"""


def test_gazette_records_become_documents(tmp_path):
    path = write(tmp_path, "gazette.xml", GAZETTE_XML)
    assert read(read_xml, path) == [
        Record(
            text="第一條\n第二段 內容",
            line=1,
            title="公告修正「食品安全衛生管理法」",  # the wrapped line joins: CJK on both sides
            url="https://gazette.nat.gov.tw/1",
            date="20240102",
            meta={"@id": "A1", "Chapter": "財政經濟篇", "Keyword": ["食品", "衛生"]},
        ),
        Problem("empty", "record #2: no text in <Content>", 2),
        Record(text="轉義的 <HTML>\n\n內嵌XHTML\n尾巴", line=3, title="第三則", date="2024/3/4"),
    ]


def test_plain_text_fields_and_default_options(tmp_path):
    m = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x")  # record, text, title, …
    xml = "<root><record><title>T</title><text>\n  第一行\n  第二行\n</text><lang>zh</lang></record></root>"
    assert read(read_xml, write(tmp_path, "d.xml", xml), m) == [
        Record(text="第一行\n  第二行", line=1, title="T", meta={"lang": "zh"}),
    ]


def test_rss_channel_items(tmp_path):
    options = XmlOptions(
        record_path="channel/item",
        text_fields=("description",),
        html_fields=("description",),
        title_field="title",
        url_field="link",
        date_field="date",
    )
    m = Manifest(id="s", title="t", publisher="p", license="CC0-1.0", url="https://x", xml=options)
    xml = (
        '<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>頻道</title>'
        "<item><title>新聞</title><link>https://a/1</link><dc:date>2024-01-02</dc:date>"
        "<description>&lt;p&gt;內容&lt;/p&gt;</description><guid>g1</guid></item></channel></rss>"
    )
    assert read(read_xml, write(tmp_path, "rss.xml", xml), m) == [
        Record(text="內容", line=1, title="新聞", url="https://a/1", date="2024-01-02", meta={"guid": "g1"}),
    ]


def test_big5_xml(tmp_path):
    xml = (
        '<?xml version="1.0" encoding="Big5"?><Root><Record><Title>公報</Title><Content>臺灣</Content></Record></Root>'
    )
    path = write(tmp_path, "b.xml", xml, "big5")
    assert read(read_xml, path) == [Record(text="臺灣", line=1, title="公報")]


def test_no_records(tmp_path):
    path = write(tmp_path, "n.xml", "<Gazette><Item/></Gazette>")
    assert read(read_xml, path) == [
        Problem("empty", "no <.//Record> elements under the root <Gazette> (xml.record_path)")
    ]


@pytest.mark.parametrize("data", ["", "  \n"])
def test_empty_xml_file(tmp_path, data):
    assert read(read_xml, write(tmp_path, "e.xml", data)) == [Problem("empty", "the file holds no text")]


def test_malformed_xml(tmp_path):
    path = write(tmp_path, "m.xml", "<Gazette>\n  <Record><Title>x</Record>\n</Gazette>")
    assert read(read_xml, path) == [
        Problem("malformed-file", "not well-formed XML (line 2, column 21): mismatched tag")
    ]
    path = write(tmp_path, "u.xml", "<a>&nbsp;</a>")
    assert read(read_xml, path) == [
        Problem("malformed-file", "not well-formed XML (line 1, column 4): undefined entity")
    ]


def test_invalid_record_path(tmp_path):
    m = Manifest(
        id="s", title="t", publisher="p", license="CC0-1.0", url="https://x", xml=XmlOptions(record_path="/abs")
    )
    [problem] = read(read_xml, write(tmp_path, "a.xml", "<a><record/></a>"), m)
    assert problem.reason == "manifest" and problem.detail.startswith(
        "xml.record_path '/abs' is not a valid ElementPath"
    )


XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x><Record><Content>&e;</Content></Record></x>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><lolz><Record><Content>&lol9;</Content></Record></lolz>"
)


@pytest.mark.parametrize("xml, name", [(XXE, "x"), (LAUGHS, "lolz")])
def test_dtds_are_refused(tmp_path, xml, name):
    items = read(read_xml, write(tmp_path, "h.xml", xml))
    assert items == [
        Problem(
            "hostile-xml",
            f"refused the DTD <!DOCTYPE {name}>: DTDs can declare entities that "
            "expand without bound or read local files, so none is read",
        )
    ]
    assert "root:" not in repr(items) and "lollol" not in repr(items)


def test_external_dtd_is_refused_not_fetched(tmp_path):
    xml = '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x/>'
    [problem] = read(read_xml, write(tmp_path, "h.xml", xml))
    assert problem == Problem(
        "hostile-xml",
        "refused the DTD <!DOCTYPE x SYSTEM 'http://127.0.0.1:9/evil.dtd'>: DTDs "
        "can declare entities that expand without bound or read local files, so none is read",
    )


def test_deep_nesting_is_refused_without_crashing(tmp_path):
    deep = write(tmp_path, "deep.xml", "<a>" * 100_000 + "</a>" * 100_000)
    assert read(read_xml, deep) == [
        Problem("hostile-xml", f"refused: elements nested more than {MAX_DEPTH} levels deep")
    ]
    unclosed = write(tmp_path, "unclosed.xml", "<a>" * 100_000)
    assert read(read_xml, unclosed) == [
        Problem("hostile-xml", f"refused: elements nested more than {MAX_DEPTH} levels deep")
    ]


def test_nesting_up_to_the_limit_is_read(tmp_path):
    inner = "<b>" * (MAX_DEPTH - 3) + "深" + "</b>" * (MAX_DEPTH - 3)
    xml = f"<Root><Record><Content>{inner}</Content></Record></Root>"  # MAX_DEPTH levels in all
    assert read(read_xml, write(tmp_path, "ok.xml", xml)) == [Record(text="深", line=1)]


def test_pathological_unclosed_tags_are_refused_quickly(tmp_path):
    import time

    path = write(tmp_path, "a.html", "<p>正文</p>" + "<a" * 40000)
    start = time.perf_counter()
    items = read(read_html, path)
    assert time.perf_counter() - start < 1
    assert [(i.reason, i.detail) for i in items] == [("malformed-file", "40,000 more '<' than '>': not parseable HTML")]


def test_many_nested_forms_stay_small(tmp_path):
    import tracemalloc

    html = "<form>" * 500 + "<p>正文段落。</p>" * 20000
    tracemalloc.start()
    text, _ = html_to_text(html)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert text.count("正文段落。") == 20000
    assert peak < 60 * len(html.encode())  # a copy of the form stack per token took ~500× the input


def test_header_like_class_names_inside_the_article_are_content():
    html = (
        '<html><body><nav class="menu">回首頁</nav><article><div class="section-header"><h2>第一章 總則</h2></div>'
        '<p>本法依憲法制定。</p><table><tr class="table-header"><th>項目</th></tr><tr><td>甲</td></tr></table>'
        "</article></body></html>"
    )
    text, _ = html_to_text(html)
    assert text == "第一章 總則\n本法依憲法制定。\n項目\n甲"


def test_a_small_article_card_does_not_replace_the_body():
    body = "".join(f"<p>第{i}段正文，說明本次會議的決議內容與後續辦理事項。</p>" for i in range(5))
    html = (
        f"<html><body><div id='content'>{body}</div><article class='card'><p>相關新聞標題</p></article></body></html>"
    )
    text, _ = html_to_text(html)
    assert text.startswith("第0段正文") and text.endswith("相關新聞標題")


# --- what the HTML5 parser must keep as the standard library's parser gave it ----------


def test_word_export_conditional_comments_and_hidden_text():
    html = (
        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings>設定</o:OfficeDocumentSettings></xml><![endif]-->"
        "<p class=MsoNormal>第一條<o:p></o:p></p>\r\n<p class=MsoListParagraph><![if !supportLists]><span>1."
        '<span style="font:7.0pt">&nbsp;&nbsp; </span></span><![endif]>項目'
        '<span style="display:none;mso-hide:all">隱藏</span></p>'
    )
    assert html_to_text(html) == ("第一條\n1. 項目", None)


def test_nested_and_unclosed_tables():
    assert html_to_text("<table><tr><td>甲<table><tr><td>乙<td>丙</table><td>丁</table><p>後") == (
        "甲\n乙 | 丙\n丁\n後",
        None,
    )
    assert html_to_text("<div><table><tr><td>一<td>二<tr><td>三") == ("一 | 二\n三", None)


def test_entities_without_semicolons_numeric_and_full_width_spaces():
    html = "<p>A&nbsp&amp;B &#1257;&#63972;&#x20AC;&#128; &copy x&unknown; &lt;p&gt;</p><p>\u3000\u3000第一條　條文</p>"
    assert html_to_text(html) == ("A &B \u04e9\uf9e4€€ © x&unknown; <p>\n\u3000\u3000第一條\u3000條文", None)


def test_line_breaks_crlf_and_comments():
    assert html_to_text("<p>第一行<br>第二行</br>第三行<br/>第\r\n四行<BR>end</p>") == (
        "第一行\n第二行\n第三行\n第四行\nend",
        None,
    )
    assert html_to_text("<p>中文\r\n  斷行\r\nEnglish\r\n word</p>") == ("中文斷行 English word", None)
    assert html_to_text("<p>前<!-- 註解 <p>不是 --></p>後<!---->文<p><span>一<div>二</div>三</span>") == (
        "前\n後文\n一\n二\n三",
        None,
    )
    assert html_to_text("<pre>\r\n  x\r\n    y</pre><p>中\n文</p><p>a < b > c</p>") == (
        "  x\n    y\n中文\na < b > c",
        None,
    )


def test_a_form_tag_written_as_text_stays_text():
    html = "<title>Use <FORM> here</title><form><p>x &lt;form&gt;<textarea></form></textarea></form>"
    assert parse_html(html) == HtmlPage(text="x <form></form>", title="Use <FORM> here")


def test_the_walk_marks_in_the_input_are_removed():
    assert html_to_text("<table><tr><td>a\x1eb</td><td>c\x1fd</td></tr></table>") == ("ab | cd", None)


def test_processing_instructions_are_not_text_and_the_text_after_them_is_kept():
    # Word 2003 writes <?xml:namespace …?> before its first <o:p>; lexbor keeps it as a node
    # without a tag name, which once ended the walk there and lost the rest of the page.
    html = (
        '<p>第一條<?xml:namespace prefix = o ns = "urn:schemas-microsoft-com:office:office" />'
        "<o:p></o:p></p><?pi x?><p>第二條</p><svg><?pi?></svg><p>第三條</p>"
    )
    assert html_to_text(html) == ("第一條\n第二條\n第三條", None)
