"""The resume as a PDF file: the same content as the printable page, one clean column.

Drawn with fpdf2 (pure Python) in its built-in Helvetica, which covers Latin-1: common
typographic characters are replaced by their plain look-alikes and any other character
outside Latin-1 by "?", so the file always renders without a font file on the server.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lti_tool.plans.resume import Resume

_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
        "\u200b": "",
    }
)
INK = (27, 31, 36)
MUTED = (74, 83, 96)
ACCENT = (11, 92, 173)


def latin1(text: str) -> str:
    """``text`` drawable with the core fonts (see the module)."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _ResumePdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def render(resume: Resume) -> bytes:
    """The resume as the bytes of a PDF file (US Letter)."""
    pdf = _ResumePdf(format="letter", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(latin1(f"Resume of {resume.name}"))
    pdf.set_author(latin1(resume.name))
    pdf.set_creator("Lodestar ILP")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float, style: str = "", color: tuple[int, int, int] = INK,
             height: float = 5.5, link: str | None = None) -> None:  # fmt: skip
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(
            width, height, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, link=link or ""
        )

    line(resume.name, size=20, style="B", height=9)
    if resume.contact:
        line("  |  ".join(resume.contact), size=10, color=MUTED)
    pdf.ln(2)
    for section in resume.shown:
        pdf.ln(3)
        line(section.info.title, size=13, style="B", color=ACCENT, height=7)
        y = pdf.get_y()
        pdf.set_draw_color(*MUTED)
        pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
        pdf.ln(1.5)
        if section.text:
            line(section.text, size=10.5)
        for entry in section.visible:
            line(entry.title, size=11, style="B", height=6)
            if entry.meta:
                line(entry.meta, size=9.5, color=MUTED, height=5)
            if entry.detail:
                line(entry.detail, size=10)
            if entry.link:
                line(entry.link, size=9, color=ACCENT, height=5, link=entry.link)
            pdf.ln(1.5)
    return bytes(pdf.output())
