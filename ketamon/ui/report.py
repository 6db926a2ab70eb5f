"""The PDF session report (QPdfWriter): what the clinic files and the nurse signs.

Built from the review summary (the same numbers `ketamon review` prints) and the
recorded vitals for the trend chart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageSize, QPainter, QPdfWriter, QPen

from ketamon.core.alarm_profile import Priority
from ketamon.core.vitals import Vital
from ketamon.format import mmss, predicted_text, time_of_day, wall_at
from ketamon.io.clinic_record import clinic_record_lines
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
        self.painter.setFont(font)  # a page break drew the footer in its own font
        self.painter.setPen(QColor(color))
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


@contextmanager
def pdf_pages(path: Path, title: str) -> Iterator[PdfPages]:
    """An A4 PDF at `path`, readable by the user only (patient data), with the
    not-a-device footer on its last page; every ketamon PDF is written through this."""
    make_private(path)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(DPI)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    writer.setTitle(title)
    painter = QPainter(writer)
    try:
        pages = PdfPages(writer, painter)
        yield pages
        pages.footer()
    finally:
        painter.end()


def write_report(path: Path, summary: dict, recording: Recording) -> Path:
    """Write the PDF for `summary` (from review_recording) to `path` (0600: patient data)."""
    with pdf_pages(path, "ketamon session report") as pages:
        _header(pages, summary, recording)
        _chart(pages, summary, recording)
        _tables(pages, summary, recording)
        _signatures(pages)
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
    record = summary.get("clinic_record")
    if record and summary["protocol"]:
        # CLINICAL.md §11: the per-session items a clinic files, in the form's order.
        pages.text("Session record", 13, bold=True)
        for line in clinic_record_lines(record):
            pages.text(line, 10)
        pages.gap()


TICK_STEPS_MIN = (5, 10, 15, 20, 30, 60, 120)  # round minutes for the time axis
MAX_TICKS = 9
ACTION_TEXT = {
    "command.start": "Infusion started",
    "command.pause": "Paused",
    "command.resume": "Resumed",
    "command.stop": "Stopped",
    "command.acknowledge": "Alarms acknowledged",
    "command.pause_audio": "Audio paused",
    "command.enter_baseline": "Baseline entered",
    "command.discharge": "Discharged",
    "command.retract_note": "Note undone",
}


def time_ticks(end_s: float) -> list[float]:
    """Round-minute ticks (every 5, 10, 15 ... min) from 0 to `end_s`, at most MAX_TICKS."""
    end_min = max(end_s / 60.0, 1.0)
    step = next((m for m in TICK_STEPS_MIN if end_min / m <= MAX_TICKS - 1), TICK_STEPS_MIN[-1])
    return [60.0 * step * i for i in range(int(end_min // step) + 1)]


def _paused_spans(events, end_s: float) -> list[tuple[float, float]]:
    spans, start = [], None
    for e in events:
        if e.kind == "infusion.paused":
            start = e.t_s
        elif e.kind in ("infusion.resumed", "infusion.stopped_early") and start is not None:
            spans.append((start, e.t_s))
            start = None
    if start is not None:
        spans.append((start, end_s))
    return spans


def _chart(pages: PdfPages, summary: dict, recording: Recording) -> None:
    end_s = max(summary["duration_s"], 1.0)
    events = recording.events()
    clock = recording.meta.get("clock") if isinstance(recording.meta.get("clock"), dict) else None
    panels = (
        (
            "NIBP mmHg (bar: diastolic to systolic, dot: MAP) and HR bpm (green)",
            ((Vital.HR, "#008a2e", "line"),),
            (30, 220),
            (50, 100, 150, 200),
            300,
        ),
        ("SpO2 % (blue)", ((Vital.SPO2, "#0070c0", "line"),), (70, 101), (80, 90, 100), 150),
        ("RR /min (orange)", ((Vital.RR, "#c06000", "line"),), (0, 40), (10, 20, 30), 150),
    )
    pages.text(
        "Trends (shaded: infusion green, paused amber; x: minutes from the start, time of day)",
        13,
        bold=True,
    )
    for i, (title, series, y_range, guides, height) in enumerate(panels):
        pages.text(title, 10)
        pages.need(height + 40)
        rect = QRectF(MARGIN + 60, pages.y, PAGE_W - 2 * MARGIN - 60, height)
        _panel(pages.painter, rect, recording, summary, events, end_s, series, y_range, guides)
        if i == 0:
            _nibp_bars(pages.painter, rect, recording, end_s, y_range)
        last = i == len(panels) - 1
        _time_axis(pages.painter, rect, end_s, clock, labels=last)
        pages.y = rect.bottom() + (50 if last else 14)


def _x(rect: QRectF, end_s: float, t_s: float) -> float:
    return rect.left() + rect.width() * t_s / end_s


def _y(rect: QRectF, y_range: tuple[float, float], value: float) -> float:
    low, high = y_range
    return rect.bottom() - rect.height() * (min(max(value, low), high) - low) / (high - low)


def _panel(painter, rect, recording, summary, events, end_s, series, y_range, guides) -> None:
    times = summary["phase_times_s"]
    if "infusion_start" in times:
        stop = times.get("infusion_end", times.get("infusion_stopped", end_s))
        x0 = _x(rect, end_s, times["infusion_start"])
        painter.fillRect(
            QRectF(x0, rect.top(), _x(rect, end_s, stop) - x0, rect.height()), QColor("#e0f0e4")
        )
    for start, stop in _paused_spans(events, end_s):
        x0 = _x(rect, end_s, start)
        painter.fillRect(
            QRectF(x0, rect.top(), _x(rect, end_s, stop) - x0, rect.height()), QColor("#fbe3b0")
        )
    painter.setPen(QPen(QColor("#000000"), 1))
    painter.drawRect(rect)
    font = QFont("DejaVu Sans")
    font.setPixelSize(18)
    painter.setFont(font)
    for value in guides:
        painter.setPen(QPen(QColor("#cccccc"), 1, Qt.PenStyle.DotLine))
        y = _y(rect, y_range, value)
        painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        painter.setPen(QColor("#000000"))
        painter.drawText(QPointF(rect.left() - 50, y + 6), str(value))
    for vital, color, _style in series:
        data = recording.series(vital)
        if len(data.t_s) == 0:
            continue
        # One point per horizontal pixel is all a printed chart can show.
        step = max(1, len(data.t_s) // int(rect.width()))
        painter.setPen(QPen(QColor(color), 2))
        painter.drawPolyline(
            [
                QPointF(_x(rect, end_s, t), _y(rect, y_range, v))
                for t, v in zip(data.t_s[::step], data.values[::step], strict=True)
            ]
        )


def _nibp_bars(painter, rect, recording, end_s, y_range) -> None:
    sbp, dbp, map_ = (recording.series(v) for v in (Vital.SBP, Vital.DBP, Vital.MAP))
    dbp_at = dict(zip(np.round(dbp.t_s, 3), dbp.values, strict=True))
    map_at = dict(zip(np.round(map_.t_s, 3), map_.values, strict=True))
    for t, high in zip(sbp.t_s, sbp.values, strict=True):
        low = dbp_at.get(round(float(t), 3))
        if low is None:
            continue
        x = _x(rect, end_s, t)
        painter.setPen(QPen(QColor("#c00000"), 3))
        painter.drawLine(QPointF(x, _y(rect, y_range, high)), QPointF(x, _y(rect, y_range, low)))
        mean = map_at.get(round(float(t), 3))
        if mean is not None:
            painter.setPen(QPen(QColor("#000000"), 2))
            painter.drawEllipse(QPointF(x, _y(rect, y_range, mean)), 3, 3)


def _time_axis(painter, rect, end_s: float, clock: dict | None, labels: bool) -> None:
    font = QFont("DejaVu Sans")
    font.setPixelSize(16)
    painter.setFont(font)
    for t_s in time_ticks(end_s):
        x = _x(rect, end_s, t_s)
        painter.setPen(QPen(QColor("#000000"), 1))
        painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 6))
        if not labels:
            continue
        painter.drawText(QPointF(x - 20, rect.bottom() + 24), f"{t_s / 60:g} min")
        wall_s = wall_at(clock, t_s)
        if wall_s is not None:
            painter.setPen(QColor("#555555"))
            painter.drawText(QPointF(x - 20, rect.bottom() + 44), time_of_day(wall_s))


def _tables(pages: PdfPages, summary: dict, recording: Recording) -> None:
    for text, size, bold in report_lines(summary, recording):
        if text is None:
            pages.gap()
        else:
            pages.text(text, size, bold=bold)


def report_lines(summary: dict, recording: Recording) -> list[tuple[str | None, int, bool]]:
    """The report's tables as (text, size, bold) lines; (None, ...) is a gap. Every line
    carries its time of day (when the recording knows it) and session time."""
    lines: list[tuple[str | None, int, bool]] = []

    class _Lines:  # the same calls as PdfPages, collected
        @staticmethod
        def text(text: str, size: int = 11, bold: bool = False) -> None:
            lines.append((text, size, bold))

        @staticmethod
        def gap() -> None:
            lines.append((None, 0, False))

    pages = _Lines()
    clock = recording.meta.get("clock") if isinstance(recording.meta.get("clock"), dict) else None

    def when(t_s: float) -> str:
        wall_s = wall_at(clock, t_s)
        day = f"{time_of_day(wall_s)} " if wall_s is not None else ""
        return f"{day}({mmss(t_s)})"

    pages.text(f"Alarms ({summary['alarm_count']})", 13, bold=True)
    if not summary["alarms"]:
        pages.text("None", 10)
    for a in summary["alarms"]:
        first = Priority[a["priority"].upper()]
        highest = Priority[a["highest_priority"].upper()]
        marker = first.marker if first is highest else f"{first.marker} rose to {highest.marker}"
        inop = "INOP " if a["kind"] == "technical" else ""
        end = "" if a["ended_s"] is None else f" to {when(a['ended_s'])}"
        value = "" if a["value"] is None else f"  value {a['value']:g}"
        limit = "" if a["limit"] is None else f"  limit {a['limit']:g}"
        pages.text(f"{when(a['t_s'])}{end}  {marker} {inop}{a['condition']}{value}{limit}", 10)
    pages.gap()
    actions = [e for e in recording.events() if e.kind in ACTION_TEXT]
    pages.text(f"Nurse actions ({len(actions)})", 13, bold=True)
    if not actions:
        pages.text("None", 10)
    for e in actions:
        detail = e.data.get("reason") or e.data.get("checklist") or ""
        detail = f": {detail}" if detail else ""
        pages.text(f"{when(e.t_s)}  {ACTION_TEXT[e.kind]}{detail}", 10)
    pages.gap()
    pages.text(f"Annotations ({len(summary['annotations'])})", 13, bold=True)
    if not summary["annotations"]:
        pages.text("None", 10)
    for note in summary["annotations"]:
        undone = " (undone)" if note.get("retracted") else ""
        pages.text(f"{when(note['t_s'])}  {note['text']}{undone}", 10)
    pages.gap()
    discharged = next((e for e in recording.events() if e.kind == "infusion.discharged"), None)
    pages.text("Discharge", 13, bold=True)
    if discharged is None:
        pages.text("Not discharged in this recording", 10)
    else:
        pages.text(f"{when(discharged.t_s)}  checklist: {discharged.message or '-'}", 10)
    pages.gap()
    return lines


def _signatures(pages: PdfPages) -> None:
    pages.need(260)
    pages.text("Signatures", 13, bold=True)
    for role in ("Nurse who gave the infusion", "Reviewing nurse or physician"):
        pages.gap(40)
        pages.text(f"{role}: ______________________________   Date/time: ________________", 11)
