"""Regenerate the README pictures of filled tables (docs/images/table01.png, table05.png for
the 2019 format; table01-2020.png, table07-2020.png for the 2020+ format).

    python docs/render_images.py [--out docs/images] [--dpi 80]

Steps: fill the demo department's workbook (the same as ``juesuan demo``), keep one table
sheet per copy, print it to PDF with LibreOffice headless (``soffice``; a private profile,
and a fontconfig file mapping 宋体/黑体 to Noto Serif/Sans CJK SC so the Chinese glyphs are
the simplified ones), rasterise the first page with ``pdftoppm`` and crop it to the table.
Needs LibreOffice, poppler-utils and fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PICTURES = [("2019", "01", "table01.png"), ("2019", "05", "table05.png"),
            ("2020", "01", "table01-2020.png"), ("2020", "07", "table07-2020.png")]
MARGIN_PX = 12
_WORD = re.compile(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)">([^<]*)</word>')

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimSun</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimHei</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def demo_workbook(folder: Path, fmt: str) -> Path:
    """The demo department's filled workbook of format ``fmt``, written into ``folder``."""
    from juesuan.io.files import fill_file, write_new
    from juesuan.sample import sample_inputs
    from juesuan.spec import load_spec

    spec = load_spec(fmt)
    target = folder / f"demo-{fmt}.xlsx"
    write_new(target, spec, inputs=sample_inputs(2019, spec=spec))
    fill_file(target, target)
    return target


def single_sheet(book: Path, sheet: str, target: Path) -> Path:
    """A copy of ``book`` holding ``sheet`` only (so the PDF's first page is that table)."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    for name in list(wb.sheetnames):
        if name != sheet:
            del wb[name]
    wb.save(target)
    return target


def soffice_env(folder: Path) -> dict[str, str]:
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF, encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def to_pdf(xlsx: Path, folder: Path, env: dict[str, str]) -> Path:
    profile = (folder / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(xlsx)], check=True, env=env, capture_output=True, timeout=180)
    pdf = folder / (xlsx.stem + ".pdf")
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice did not write {pdf}")
    return pdf


def ink_box(ppm: bytes) -> tuple[int, int, int, int]:
    """Bounding box (x, y, w, h) of the non-white pixels of a binary PPM (P6) image."""
    parts = ppm.split(maxsplit=4)
    if parts[0] != b"P6":
        raise ValueError("expected a P6 PPM image")
    width, height, pixels = int(parts[1]), int(parts[2]), parts[4]
    row_bytes = width * 3
    white = b"\xff" * row_bytes
    rows = [y for y in range(height) if pixels[y * row_bytes:(y + 1) * row_bytes] != white]
    if not rows:
        return 0, 0, width, height
    left, right = width, 0
    for y in rows:
        line = pixels[y * row_bytes:(y + 1) * row_bytes]
        xs = [x for x in range(width) if line[3 * x:3 * x + 3] != b"\xff\xff\xff"]
        left, right = min(left, xs[0]), max(right, xs[-1])
    return left, rows[0], right - left + 1, rows[-1] - rows[0] + 1


def render_png(pdf: Path, target: Path, dpi: int, page_footer_px: int) -> Path:
    """First page of ``pdf`` as a PNG cropped to the table (the page-number footer left out)."""
    ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf)],
                         check=True, capture_output=True).stdout
    x, y, w, h = ink_box(ppm)
    h = max(1, h - page_footer_px)  # the page number is the lowest ink: drop it
    x, y = max(0, x - MARGIN_PX), max(0, y - MARGIN_PX)
    w, h = w + 2 * MARGIN_PX, h + 2 * MARGIN_PX
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(pdf), str(stem)], check=True)
    return target


def footer_height(pdf: Path, dpi: int) -> int:
    """Pixels from the table's last ink to the page number's last ink, at ``dpi``."""
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = [(float(m[1]), float(m[2]), m[3]) for m in _WORD.finditer(text)]
    if not words:
        return 0
    bottom = max(w[0] for w in words)
    footer = [w for w in words if abs(w[0] - bottom) < 1.0]  # the lowest line of text
    if "页" not in "".join(w[2] for w in footer):
        return 0
    above = max((w[1] for w in words if w[1] < bottom), default=bottom)
    return int((max(w[1] for w in footer) - above) * dpi / 72) + 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "images")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    for tool in ("soffice", "pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            print(f"缺少 {tool} / {tool} not found", file=sys.stderr)
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="juesuan-render-") as tmp:
        folder = Path(tmp)
        from juesuan.spec import load_spec

        env = soffice_env(folder)
        books: dict[str, Path] = {}
        for fmt, table_id, png in PICTURES:
            book = books.get(fmt) or books.setdefault(fmt, demo_workbook(folder, fmt))
            sheet = load_spec(fmt).table(table_id).sheet
            one = single_sheet(book, sheet, folder / f"table{table_id}-{fmt}.xlsx")
            pdf = to_pdf(one, folder, env)
            target = render_png(pdf, args.out / png, args.dpi, footer_height(pdf, args.dpi))
            print(f"{target} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
