"""PDF through headless LibreOffice, from the Word document.

The 公文 fonts (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体) are not free software. For the PDF,
a fontconfig file maps each to a free font installed by the setup from Debian packages — Noto
Serif CJK SC (bold) for the title, Noto Serif CJK SC for 仿宋 and 宋体, AR PL UKai for 楷体 and
Noto Sans CJK SC for 黑体 — so the levels stay distinguishable. A machine with the real fonts
still uses them in Word.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.content import Report
from jixiao.adapters.report.word import write_docx

SUBSTITUTES = {
    "方正小标宋简体": ("Noto Serif CJK SC", "bold"),
    "仿宋_GB2312": ("Noto Serif CJK SC", None),
    "仿宋": ("Noto Serif CJK SC", None),
    "宋体": ("Noto Serif CJK SC", None),
    "楷体_GB2312": ("AR PL UKai CN", None),
    "楷体": ("AR PL UKai CN", None),
    "黑体": ("Noto Sans CJK SC", None),
}
TIMEOUT_SECONDS = 180


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or it failed to convert."""


def _fontconfig(folder: Path) -> Path:
    rules = []
    for family, (substitute, weight) in SUBSTITUTES.items():
        edit_weight = (
            f'<edit name="weight" mode="assign"><const>{weight}</const></edit>' if (weight) else ""
        )
        rules.append(
            f'<match target="pattern"><test name="family"><string>{family}</string></test>'
            f'<edit name="family" mode="prepend" binding="strong"><string>{substitute}</string>'
            f"</edit>{edit_weight}</match>"
        )
    system = "/etc/fonts/fonts.conf"
    include = f'<include ignore_missing="yes">{system}</include>' if Path(system).exists() else ""
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        + include
        + "".join(rules)
        + "</fontconfig>",
        encoding="utf-8",
    )
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_docx_to_pdf(documents: list[Path], folder: Path) -> None:
    """Convert Word files into PDFs beside them, in one LibreOffice run."""
    program = soffice()
    if program is None:
        raise PdfUnavailable(
            "未找到 LibreOffice，无法生成 PDF。请安装后重试（Debian/Ubuntu：apt-get install "
            "libreoffice-writer fonts-noto-cjk fonts-arphic-ukai），或改为生成 .docx / .html。"
        )
    profile = folder / "profile"
    environment = dict(os.environ, FONTCONFIG_FILE=str(_fontconfig(folder)), HOME=str(folder))
    command = [
        program,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        *map(str, documents),
    ]
    try:
        completed = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise PdfUnavailable(f"LibreOffice 转换超时（{TIMEOUT_SECONDS} 秒）") from error
    missing = [d for d in documents if not (folder / f"{d.stem}.pdf").exists()]
    if completed.returncode != 0 or missing:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-1:] or [""]
        raise PdfUnavailable(f"LibreOffice 未能生成 PDF：{detail[0]}")


def write_pdf(report: Report, path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="jixiao-pdf-") as scratch:
        folder = Path(scratch)
        document = folder / "report.docx"
        write_docx(report, document)
        convert_docx_to_pdf([document], folder)
        replace_atomically(path, (folder / "report.pdf").read_bytes())
