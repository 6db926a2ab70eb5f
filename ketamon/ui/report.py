"""The PDF session report (QPdfWriter): what the clinic files and the nurse signs.

Built from the review summary (the same numbers `ketamon review` prints) and the
recorded vitals for the trend chart.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageSize, QPainter, QPdfWriter, QPen

from ketamon.core.vitals import Vital
from ketamon.format import mmss, predicted_text
from ketamon.io.private_files import make_private
from ketamon.io.recording import Recording

DPI = 150
PAGE_W, PAGE_H = 1240, 1754  # A4 at 150 dpi
MARGIN = 90
NOT_A_DEVICE = "ketamon supports monitoring and training; it is not a certified medical device."


class PdfPages:
    """A painter with a cursor that starts a new page when the text would run off."""

    def __init__(self, writer: QPdfWriter, painter: QPainter):
        self.writer, self.painter = writer, painter
        self.y = MARGIN

    def need(self, height: float) -> None:
        if self.y + height > PAGE_H - MARGIN:
            self.footer()
            self.writer.newPage()
            self.y = MARGIN

    def text(self, text: str, size: int = 11, bold: bool = False, color: str = "#000000"):
        font = QFont("DejaVu Sans")
        font.setPixelSize(round(size * DPI / 72))
        font.setBold(bold)
        self.painter.setFont(font)
        self.painter.setPen(QColor(color))
        height = self.painter.fontMetrics().height()
        self.need(height)
        self.painter.drawText(QPointF(MARGIN, self.y + self.painter.fontMetrics().ascent()), text)
        self.y += height * 1.15

    def gap(self, height: float = 20) -> None:
        self.y += height

    def footer(self) -> None:
        font = QFont("DejaVu Sans")
        font.setPixelSize(round(8 * DPI / 72))
        self.painter.setFont(font)
        self.painter.setPen(QColor("#555555"))
        self.painter.drawText(QPointF(MARGIN, PAGE_H - MARGIN / 2), NOT_A_DEVICE)


def write_report(path: Path, summary: dict, recording: Recording) -> Path:
    """Write the PDF for `summary` (from review_recording) to `path` (0600: patient data)."""
    make_private(path)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(DPI)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    writer.setTitle("ketamon session report")
    painter = QPainter(writer)
    try:
        pages = PdfPages(writer, painter)
        _header(pages, summary, recording)
        _chart(pages, summary, recording)
        _tables(pages, summary)
        _signatures(pages)
        pages.footer()
    finally:
        painter.end()
    return path


def _header(pages: PdfPages, summary: dict, recording: Recording) -> None:
    pages.text("ketamon session report", 18, bold=True)
    if summary["simulated"]:
        pages.text("SIMULATED SESSION: training data, not a patient", 12, True, "#a000a0")
    created = recording.meta.get("created_wall_s")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created else "unknown"
    pages.text(f"Recorded {when}   File {recording.path.name}", 10, color="#333333")
    pages.gap()
    pages.text("Patient and prescription", 13, bold=True)
    pages.text(
        f"Patient ID: {summary['patient_id'] or '(none)'}    Weight: {summary['weight_kg']:g} kg"
        if summary["weight_kg"]
        else "No infusion"
    )
    pages.text(f"Protocol: {summary['protocol'] or '-'}")
    if summary["delivered_mg"] is not None:
        pages.text(
            f"Delivered {summary['delivered_mg']:.1f} mg of {summary['planned_mg']:.1f} mg planned",
            bold=True,
        )
    for name, t_s in summary["phase_times_s"].items():
        pages.text(f"    {name.replace('_', ' '):24s} session time {mmss(t_s)}", 10)
    b = summary["baseline"]
    if b:
        hr = f", HR {b['hr']:.0f}" if b["hr"] else ""
        pages.text(f"Baseline {b['sbp']:.0f}/{b['dbp']:.0f} mmHg{hr} ({b['source']})")
    peaks = ", ".join(
        f"{k.upper()} {v['value']:g} at {mmss(v['t_s'])}" for k, v in summary["peaks"].items()
    )
    pages.text(f"Peaks: {peaks}")
    pages.text(predicted_text(summary.get("predicted_concentration")))
    d = summary["discharge"]
    pages.text(
        f"Discharge: {d['phase']}; observation complete "
        f"{'yes' if d['observation_complete'] else 'no'}"
    )
    pages.gap()


def _chart(pages: PdfPages, summary: dict, recording: Recording) -> None:
    pages.text("Trends (SBP and DBP red, HR green; shaded: infusion)", 13, bold=True)
    height = 420
    pages.need(height + 40)
    painter = pages.painter
    rect = QRectF(MARGIN + 60, pages.y, PAGE_W - 2 * MARGIN - 60, height)
    end_s = max(summary["duration_s"], 1.0)
    times = summary["phase_times_s"]
    painter.setPen(QPen(QColor("#000000"), 1))
    painter.drawRect(rect)

    def x_of(t_s: float) -> float:
        return rect.left() + rect.width() * t_s / end_s

    def y_of(value: float) -> float:
        return rect.bottom() - rect.height() * (value - 30) / (220 - 30)

    if "infusion_start" in times:
        stop = times.get("infusion_end", times.get("infusion_stopped", end_s))
        painter.fillRect(
            QRectF(
                x_of(times["infusion_start"]),
                rect.top(),
                x_of(stop) - x_of(times["infusion_start"]),
                rect.height(),
            ),
            QColor("#e0f0e4"),
        )
    font = QFont("DejaVu Sans")
    font.setPixelSize(18)
    painter.setFont(font)
    for value in (50, 100, 150, 200):
        painter.setPen(QPen(QColor("#cccccc"), 1, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(rect.left(), y_of(value)), QPointF(rect.right(), y_of(value)))
        painter.setPen(QColor("#000000"))
        painter.drawText(QPointF(rect.left() - 50, y_of(value) + 6), str(value))
    for vital, color in ((Vital.HR, "#008a2e"), (Vital.SBP, "#c00000"), (Vital.DBP, "#e07070")):
        series = recording.series(vital)
        if len(series.t_s) == 0:
            continue
        # One point per horizontal pixel is all a printed chart can show.
        step = max(1, len(series.t_s) // int(rect.width()))
        t_s, values = series.t_s[::step], series.values[::step]
        painter.setPen(QPen(QColor(color), 2))
        points = [QPointF(x_of(t), y_of(v)) for t, v in zip(t_s, values, strict=True)]
        if vital is Vital.HR:
            painter.drawPolyline(points)
        else:
            for point in points:
                painter.drawEllipse(point, 4, 4)
    painter.setPen(QColor("#000000"))
    for fraction in np.linspace(0, 1, 5):
        t_s = end_s * fraction
        painter.drawText(QPointF(x_of(t_s) - 30, rect.bottom() + 24), mmss(t_s))
    pages.y = rect.bottom() + 50


def _tables(pages: PdfPages, summary: dict) -> None:
    pages.text(f"Alarms ({summary['alarm_count']})", 13, bold=True)
    if not summary["alarms"]:
        pages.text("None", 10)
    for a in summary["alarms"]:
        marker = {"high": "***", "medium": "**", "low": "*"}.get(a["highest_priority"], "")
        end = "" if a["ended_s"] is None else f"-{mmss(a['ended_s'])}"
        value = "" if a["value"] is None else f"  value {a['value']:g}"
        limit = "" if a["limit"] is None else f"  limit {a['limit']:g}"
        pages.text(f"{mmss(a['t_s'])}{end}  {marker} {a['condition']}{value}{limit}", 10)
    pages.gap()
    pages.text(f"Annotations ({len(summary['annotations'])})", 13, bold=True)
    if not summary["annotations"]:
        pages.text("None", 10)
    for note in summary["annotations"]:
        pages.text(f"{mmss(note['t_s'])}  {note['text']}", 10)
    pages.gap()


def _signatures(pages: PdfPages) -> None:
    pages.need(260)
    pages.text("Signatures", 13, bold=True)
    for role in ("Nurse who gave the infusion", "Reviewing nurse or physician"):
        pages.gap(40)
        pages.text(f"{role}: ______________________________   Date/time: ________________", 11)
