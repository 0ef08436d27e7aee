"""Checks that a generated .docx has the layout of Decree 30/2020/NĐ-CP, read back with
python-docx: A4, the margins, Times New Roman in black, page numbers from page 2, the header
block and the closing block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

FONT = "Times New Roman"


def mm(length: int) -> float:
    """Millimetres, to a tenth (Word stores twips)."""
    return round(length / Mm(1), 1)


def check_layout(path: Path) -> Any:
    """Asserts the page, fonts and page numbers; returns the document."""
    document = Document(str(path))
    for section in document.sections:
        sides = sorted((round(mm(section.page_width)), round(mm(section.page_height))))
        assert sides == [210, 297], "A4"
        assert 20 <= mm(section.top_margin) <= 25 and 20 <= mm(section.bottom_margin) <= 25
        assert 30 <= mm(section.left_margin) <= 35 and 15 <= mm(section.right_margin) <= 20
    first = document.sections[0]
    assert round(mm(first.page_width)) == 210, "the first page upright"
    # Page numbers: a PAGE field in the header, none on the first page.
    assert first.different_first_page_header_footer
    assert "PAGE" in first.header._element.xml
    assert "PAGE" not in first.first_page_header._element.xml
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = document.styles[name]
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == FONT and fonts.get(qn("w:hAnsi")) == FONT, name
        assert fonts.get(qn("w:asciiTheme")) is None, f"{name}: no theme font over it"
        assert str(style.font.color.rgb) == "000000", f"{name} in black"
    assert 13 <= document.styles["Normal"].font.size.pt <= 14
    for paragraph in all_paragraphs(document):
        for run in paragraph.runs:
            assert run.font.name in (None, FONT), run.text
            assert run.font.color.rgb in (None,) or str(run.font.color.rgb) == "000000"
    return document


def all_paragraphs(document: Any) -> list[Any]:
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs += cell.paragraphs
    return paragraphs


def cell_lines(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def header_cells(document: Any, index: int = 0) -> tuple[list[str], list[str]]:
    """The left (body, number) and right (motto, date line) of a header block: the
    `index`-th table that starts with the national motto at its right."""
    blocks = [
        t
        for t in document.tables
        if len(t.columns) == 2 and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in t.cell(0, 1).text
    ]
    left, right = blocks[index].rows[0].cells
    return cell_lines(left), cell_lines(right)


def closing_cells(document: Any) -> tuple[list[str], list[str]]:
    """The left (recipients) and right (signer) of the closing block: the last table."""
    left, right = document.tables[-1].rows[0].cells
    return cell_lines(left), cell_lines(right)


def document_text(document: Any) -> str:
    return "\n".join(p.text for p in all_paragraphs(document))
