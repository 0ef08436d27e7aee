"""The layout of an administrative document by Decree 30/2020/NĐ-CP (Appendix I), shared by
the periodic report and the meeting book: A4, the margins, Times New Roman in black, page
numbers from page 2, the header block (issuing body and number at left, national motto and the
place and date line at right) and the closing block (recipients at left, the signer at right).

What a commune has not set is left as a dotted blank, to be filled in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 12
BLANK = "……………"
SHORT_CELL = 16  # characters: a table cell up to this long is centred
KEEP_TOGETHER_UP_TO = 15  # rows: a table this short is not split over two pages
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_LINE = "Độc lập - Tự do - Hạnh phúc"
# Millimetres: A4, and margins inside the ranges of Decree 30 (top/bottom 20–25, left 30–35,
# right 15–20).
PAGE = (210, 297)
MARGINS = {"top": 20, "bottom": 20, "left": 30, "right": 16}
TEXT_WIDTH_MM = PAGE[0] - MARGINS["left"] - MARGINS["right"]
# The elements that follow w:pBdr in a paragraph's properties (the schema's order).
_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
UNIT_KINDS = ("Xã ", "Phường ", "Đặc khu ", "Thị trấn ")


@dataclass(frozen=True)
class Letterhead:
    """What the header and closing blocks say; empty strings print as blanks."""

    body: str = ""  # "Công an xã Thanh Mỹ"
    superior: str = ""  # "Công an tỉnh Đồng Tháp"
    number_suffix: str = ""  # "CAX" → "Số: ……/BC-CAX"
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = field(default_factory=tuple)
    place: str = ""  # the commune's name without "Xã", for the date line


def bare_place(name: str) -> str:
    """ "Xã Thanh Mỹ" → "Thanh Mỹ": the place of the date line is written without its kind."""
    for kind in UNIT_KINDS:
        if name.startswith(kind):
            return name.removeprefix(kind)
    return name


def date_line(place: str, day: date) -> str:
    """ "Thanh Mỹ, ngày 06 tháng 12 năm 2026": Decree 30 writes days under 10 and the months
    1 and 2 with a leading zero (so that nothing can be added in front later)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place or BLANK}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(kind: str, suffix: str) -> str:
    """ "Số: ……/BC-CAX": the number itself is given when the document is filed."""
    return f"Số: {BLANK}/{kind}-{suffix or BLANK}"


# --- python-docx plumbing ----------------------------------------------------------------
def _set_fonts(rpr: Any, name: str) -> None:
    """Sets every script's font and drops the theme fonts that would override it."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def setup_document(document: Any) -> None:
    """A4 portrait, the margins, Times New Roman 13 in black everywhere, headings black and
    bold, the page number centred at the top from page 2 on."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Mm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE[0]), Mm(PAGE[1])
    for side, mm in MARGINS.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.header_distance = Mm(10)
    for style in document.styles:
        if style.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            continue
        _set_fonts(style.element.get_or_add_rPr(), FONT)
        style.font.color.rgb = RGBColor(0, 0, 0)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, size in (("Title", 14), ("Heading 1", BODY_PT), ("Heading 2", BODY_PT)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)
    page_numbers(section)


def page_numbers(section: Any) -> None:
    """The PAGE field centred in the header, on every page but the first."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def add_line(
    cell_or_doc: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = BODY_PT,
    align: str = "center",
    rule: float = 0.0,
    space_after: float = 0,
) -> Any:
    """A paragraph of one run; `rule` > 0 draws a short line under it, that share of the
    paragraph's width (the strokes under the body's name and the motto)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = cell_or_doc.add_paragraph()
    paragraph.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
    if rule:
        _rule_under(cell_or_doc, rule)
    return paragraph


def _rule_under(container: Any, share: float) -> None:
    """A paragraph of its own, two points high, whose bottom border is the stroke."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_BORDER)
    width = getattr(container, "width", None) or Mm(TEXT_WIDTH_MM)
    indent = int(width * (1 - share) / 2)
    paragraph.paragraph_format.left_indent = indent
    paragraph.paragraph_format.right_indent = indent


def _plain_table(document: Any, widths_mm: tuple[float, ...], rows: int = 1) -> Any:
    from docx.shared import Mm

    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
            cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return table


def header_block(
    document: Any,
    *,
    left: list[str],
    number: str,
    dated: str,
    motto: tuple[str, str] = (MOTTO, MOTTO_LINE),
) -> None:
    """Left: the superior (plain) and the body (bold) in capitals, a stroke, the number.
    Right: the national motto, a stroke, the place and date line in italics. Empty
    `number` or `dated` leave their line out."""
    table = _plain_table(document, (68, TEXT_WIDTH_MM - 68))
    body_cell, motto_cell = table.rows[0].cells
    lines = [line for line in left if line]
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        add_line(body_cell, line.upper(), bold=last, size=BODY_PT, rule=0.4 if last else 0)
    if number:
        add_line(body_cell, number, size=BODY_PT)
    add_line(motto_cell, motto[0], bold=True, size=12)
    add_line(motto_cell, motto[1], bold=True, size=BODY_PT, rule=0.62)
    if dated:
        add_line(motto_cell, dated, italic=True, size=BODY_PT)
    add_line(document, "")


def left_lines(letterhead: Letterhead) -> list[str]:
    """The left of the header: the superior above the body, or a blank for the body."""
    return [letterhead.superior, letterhead.body or BLANK]


def title_block(document: Any, kind: str, summary: str) -> None:
    add_line(document, kind, bold=True, size=14, space_after=0)
    add_line(document, summary, bold=True, size=14, rule=0.3, space_after=12)


def body_text(document: Any, text: str) -> Any:
    """A paragraph of running text: justified, first line indented."""
    from docx.shared import Mm

    paragraph = add_line(document, text, align="justify", space_after=6)
    paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def closing_block(document: Any, letterhead: Letterhead) -> None:
    """Left: "Nơi nhận:" and the list; right: the signer's title, room to sign, the name."""
    add_line(document, "")
    table = _plain_table(document, (75, TEXT_WIDTH_MM - 75))
    keep_on_one_page(table)
    recipients_cell, signer_cell = table.rows[0].cells
    add_line(recipients_cell, "Nơi nhận:", bold=True, italic=True, size=12, align="left")
    for recipient in (*letterhead.recipients, "Lưu: VT."):
        ending = "" if recipient.endswith((".", ";")) else ";"
        add_line(recipients_cell, f"- {recipient}{ending}", size=11, align="left")
    signer_block(signer_cell, letterhead.signer_title, letterhead.signer_name)


def keep_on_one_page(table: Any) -> None:
    """The rows of a signature table are not split over two pages."""
    from docx.oxml import OxmlElement

    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def signer_block(cell: Any, title: str, name: str) -> None:
    add_line(cell, (title or BLANK).upper(), bold=True)
    for _ in range(4):  # the space to sign (and to stamp)
        add_line(cell, "")
    add_line(cell, name or BLANK, bold=True)


def grid(
    document: Any,
    headers: list[str],
    rows: list[list[str]],
    widths_mm: tuple[float, ...] | None = None,
    *,
    size: float = TABLE_PT,
) -> Any:
    """A bordered table, headers bold; numbers and short words centred, texts at left."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    if widths_mm:
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
    for index, row in enumerate([headers, *rows]):
        cells = table.rows[0].cells if index == 0 else table.add_row().cells
        for column, (target, text) in enumerate(zip(cells, row, strict=True)):
            if widths_mm:
                target.width = Mm(widths_mm[column])
            paragraph = target.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            short = column > 0 and len(text) <= SHORT_CELL
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if short else WD_ALIGN_PARAGRAPH.LEFT
            run = paragraph.add_run(text)
            run.font.size = Pt(size)
            run.bold = index == 0
    if len(rows) <= KEEP_TOGETHER_UP_TO:
        for row in table.rows[:-1]:  # a short table stays on one page with its header
            for target in row.cells:
                for paragraph in target.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    add_line(document, "", size=6)
    return table


def landscape_section(document: Any, landscape: bool) -> None:
    """A new page turned sideways (or back upright), page numbers carried on."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Mm

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (PAGE[1], PAGE[0]) if landscape else PAGE
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.different_first_page_header_footer = False
