"""Trend plots of the whole session: BP, HR, SpO2, RR with phase bands and baseline lines.

Samples go into preallocated buffers as they arrive; one PreciseTimer redraws at
25 Hz whatever the data rate, and only the curves whose data changed. The x
window is fixed to the planned session, with peak downsampling and clip-to-view,
so the cost of a redraw stays flat as the session grows.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ketamon.core.session import NOTE_RETRACTED, SESSION_RESUMED, SessionEvent, Snapshot
from ketamon.core.vitals import Sample, Vital
from ketamon.ui.concentration_trend import ConcentrationTrend
from ketamon.ui.limit_lines import LimitLines
from ketamon.ui.model import DashboardModel
from ketamon.ui.theme import (
    BASELINE_COLOUR,
    NIBP_BAR_COLOUR,
    PHASE_BAND_COLOURS,
    VITAL_COLOURS,
)
from ketamon.ui.trend_buffer import TrendBuffer, bin_width_s
from ketamon.ui.trend_marks import TrendMarks
from ketamon.ui.trend_plot import GuideLines, TrendPlot

REDRAW_HZ = 25
# Fixed y ranges: a nurse compares shapes against a scale that never jumps.
Y_RANGES = {"bp": (40, 220), "hr": (30, 170), "spo2": (80, 101), "rr": (0, 40), "cp": (0, 400)}
# Opaque guide lines instead of pyqtgraph's grid: its grid is drawn by the axes with
# alpha blending over the whole plot, which made every redraw repaint the axes.
GUIDES = {
    "bp": (60, 90, 140, 180),
    "hr": (50, 100, 150),
    "spo2": (90, 95),
    "rr": (10, 20, 30),
    "cp": (100, 200, 300),
}
GUIDE_COLOUR = "#2a3038"
SPO2_FLOOR_MARGIN = 3  # the SpO2 axis goes this far below the lowest value shown
# Marker per NIBP value: systolic points down onto the bar, diastolic up, MAP a dash.
NIBP_SYMBOLS = {Vital.SBP: "t", Vital.DBP: "t1", Vital.MAP: "_"}
WINDOW_STEP_MIN = 15.0  # past the planned end the x window grows by this much at a time


FROM_START_LABEL = "minutes from infusion start"


class RelativeMinutesAxis(pg.AxisItem):
    """Bottom axis labelled in minutes from infusion start (session minutes before it)."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.origin_min = 0.0

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph API)
        # Place ticks at round minutes from infusion start (0, 20, 40), not session minutes.
        levels = super().tickValues(minVal - self.origin_min, maxVal - self.origin_min, size)
        return [(spacing, [v + self.origin_min for v in values]) for spacing, values in levels]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        return [f"{v - self.origin_min:g}" for v in values]


class TrendPlots(QWidget):
    """Stacked, x-linked plots of the session in `model`; x is session minutes."""

    def __init__(self, model: DashboardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("#000000")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

        self.axes: list[RelativeMinutesAxis] = []
        self.plots = {
            key: self._make_plot(row, key, title)
            for row, (key, title) in enumerate(
                (
                    ("bp", "NIBP mmHg"),
                    ("hr", "HR bpm"),
                    ("spo2", "SpO2 %"),
                    ("rr", "RR /min"),
                    ("cp", "Cp ng/mL"),
                )
            )
        }
        for key in ("hr", "spo2", "rr", "cp"):
            self.plots[key].setXLink(self.plots["bp"])
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)

        # The profile's 'no data' time breaks a continuous line (None: never broken).
        no_data_s = model.snapshot().no_data_s
        gap_min = None if no_data_s is None else no_data_s / 60.0
        self.buffers = {
            Vital.SBP: TrendBuffer(),
            Vital.DBP: TrendBuffer(),
            Vital.MAP: TrendBuffer(),
            Vital.HR: TrendBuffer(gap_min=gap_min),
            Vital.SPO2: TrendBuffer(gap_min=gap_min),
            Vital.RR: TrendBuffer(gap_min=gap_min),
        }
        plot_of = {Vital.SBP: "bp", Vital.DBP: "bp", Vital.MAP: "bp", Vital.HR: "hr"}
        plot_of.update({Vital.SPO2: "spo2", Vital.RR: "rr"})
        self.curves: dict[Vital, pg.PlotDataItem] = {}
        self.tail_curves: dict[Vital, pg.PlotCurveItem] = {}
        for vital, key in plot_of.items():
            nibp = vital in NIBP_SYMBOLS
            # NIBP as a monitor draws it: a bar from diastolic to systolic, MAP marked.
            pen = None if nibp else pg.mkPen(VITAL_COLOURS[vital], width=1)
            curve = self.plots[key].plot(
                pen=pen,
                symbol=NIBP_SYMBOLS.get(vital),
                symbolSize=14 if vital is Vital.MAP else 10,
                symbolBrush=VITAL_COLOURS[vital],
                symbolPen=None,
                connect="finite",
                name=vital.label,
            )
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[vital] = curve
            if not nibp:
                # The open bin is drawn by its own small curve: the completed bins' path
                # is rebuilt only when a bin completes, so a redraw costs the same at
                # minute 1 and at hour 8.
                tail = pg.PlotCurveItem(pen=pen, connect="finite")
                self.plots[key].addItem(tail)
                self.tail_curves[vital] = tail
        self._drawn_versions = {vital: -1 for vital in self.buffers}
        self.nibp_bars = self.plots["bp"].plot(
            pen=pg.mkPen(NIBP_BAR_COLOUR, width=3), connect="pairs", name="NIBP"
        )
        self.nibp_bars.setZValue(-1)
        self._spo2_floor = Y_RANGES["spo2"][0]
        self._spo2_min = math.inf  # lowest SpO2 received (the axis follows it)
        self._drawn_done = {vital: -1 for vital in self.buffers}
        self.concentration = ConcentrationTrend(self.plots["cp"], model)

        dash = pg.mkPen(BASELINE_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        self.baseline_lines = {
            Vital.SBP: pg.InfiniteLine(angle=0, pen=dash, movable=False),
            Vital.DBP: pg.InfiniteLine(angle=0, pen=dash, movable=False),
            Vital.HR: pg.InfiniteLine(angle=0, pen=dash, movable=False),
        }
        for vital, line in self.baseline_lines.items():
            self.plots[plot_of[vital]].addItem(line)
            line.hide()
        self.now_lines = []
        for plot in self.plots.values():
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffffff", width=1), movable=False)
            plot.addItem(line)
            self.now_lines.append(line)
        engine = model.session.alarms
        self.limits = LimitLines(self.plots, plot_of, engine.profile if engine else None, self)
        self.marks = TrendMarks(self.plots, Y_RANGES["bp"][1])  # notes, manual BP, downtime
        self._last_x_min: dict[Vital, float] = {}
        self._bands: list[tuple[list[pg.LinearRegionItem], float, float | None]] = []
        # Band items a replay's seek no longer shows: hidden, and used again by the next
        # band (making them, two lines each on every plot, was a third of a seek).
        self._spare_bands: list[list[pg.LinearRegionItem]] = []
        self._x_window = (0.0, 0.0)
        self._shown_baseline = None
        self._now_min = 0.0

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.redraw_timer.setInterval(1000 // REDRAW_HZ)
        self.redraw_timer.timeout.connect(self.redraw)
        self.redraw_timer.start()

        model.samples_added.connect(self._on_samples_added)
        model.event_added.connect(self._on_event_added)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        model.history_reset.connect(self._on_history_reset)  # a replay's seek
        self._on_history_reset(model.history())  # a resumed session's past

    def _make_plot(self, row: int, key: str, title: str) -> TrendPlot:
        axis = RelativeMinutesAxis()
        self.axes.append(axis)
        # No context menu, options panel or mouse (the trends are not for exploring): a
        # TrendPlot rather than pyqtgraph's PlotItem, which builds them for every plot.
        plot = TrendPlot(axis)
        self.graphics.ci.addItem(plot, row=row, col=0)
        plot.setLabel("left", title, color="#d0d0d0", size="13pt")
        guides = GuideLines(GUIDES[key], pg.mkPen(GUIDE_COLOUR, width=1))
        guides.setZValue(-20)
        plot.addItem(guides)
        plot.vb.enableAutoRange(x=False, y=False)
        plot.setYRange(*Y_RANGES[key], padding=0)
        font = pg.QtGui.QFont()
        font.setPixelSize(14)
        for name in ("left", "bottom"):
            plot.getAxis(name).setTickFont(font)
            plot.getAxis(name).setTextPen("#d0d0d0")
        if key != "cp":
            plot.getAxis("bottom").setStyle(showValues=False)
        return plot

    # ---- data in --------------------------------------------------------------------

    def _on_samples_added(self, samples: list[Sample]) -> None:
        last = self._last_x_min
        for s in samples:
            buffer = self.buffers.get(s.vital)
            x_min = s.t_s / 60.0
            # A reading entered late (measured minutes ago) is not drawn back into the
            # line: its manual marker shows it (the line stays in time order).
            if buffer is not None and x_min >= last.get(s.vital, -1.0):
                last[s.vital] = x_min
                buffer.append(x_min, s.value)
            if s.vital is Vital.SPO2 and math.isfinite(s.value):
                self._spo2_min = min(self._spo2_min, s.value)

    def _on_history_reset(self, history: dict) -> None:
        """Reload everything up to the replay position at once (vectorized)."""
        for vital, buffer in self.buffers.items():
            t_s, values = history["arrays"][vital]
            buffer.load(t_s / 60.0, values)
            if len(t_s):
                self._last_x_min[vital] = float(t_s[-1]) / 60.0
        spo2 = history["arrays"][Vital.SPO2][1]
        spo2 = spo2[np.isfinite(spo2)]
        self._spo2_min = float(spo2.min()) if len(spo2) else math.inf
        self.marks.clear()
        self.concentration.reset()
        for items, _start, _end in self._bands:
            for item in items:
                item.setVisible(False)
            self._spare_bands.append(items)
        self._bands.clear()
        # The axes are redrawn (their tick texts regenerated: most of a seek's painting)
        # only if the infusion start they count from moved.
        started = [e.t_s / 60.0 for e in history["events"] if e.kind == "infusion.started"]
        self._count_minutes_from(started[0] if started else 0.0)
        for event in history["events"]:
            self._on_event_added(event)

    def _count_minutes_from(self, origin_min: float) -> None:
        """The bottom axes count minutes from `origin_min` (redrawn only if it moved)."""
        for axis in self.axes:
            if axis.origin_min != origin_min:
                axis.origin_min = origin_min
                axis.picture = None

    def _on_event_added(self, event: SessionEvent) -> None:
        t_min = event.t_s / 60.0
        kind = event.kind
        if kind == "infusion.started":
            self._count_minutes_from(t_min)
            if self.plots["cp"].getAxis("bottom").labelText != FROM_START_LABEL:
                self.plots["cp"].setLabel("bottom", FROM_START_LABEL, color="#d0d0d0")
            self._open_band("infusion", t_min)
        elif kind == "infusion.paused":
            self._close_band(t_min)
            self._open_band("paused", t_min)
        elif kind == "infusion.resumed":
            self._close_band(t_min)
            self._open_band("infusion", t_min)
        elif kind == "infusion.observation_started":
            self._close_band(t_min)
            self._open_band("observation", t_min)
        elif kind == "infusion.discharged":
            self._close_band(t_min)
        elif kind in ("annotation", "sedation.moaas", "pump.confirmed"):
            # Notes, MOAA/S scores and pump confirmations are charted where they happened.
            text = "Pump confirmed" if kind == "pump.confirmed" else event.message
            self.marks.annotation(t_min, text)
        elif kind == NOTE_RETRACTED:
            self.marks.undo_annotation(event.data.get("note_t_s"))
        elif kind == "nibp.manual":
            self.marks.manual(event.data)
        elif kind == SESSION_RESUMED:
            self.marks.downtime(event)

    def _open_band(self, kind: str, t_min: float) -> None:
        brush = pg.mkBrush(PHASE_BAND_COLOURS[kind])
        if self._spare_bands:
            items = self._spare_bands.pop()
            hover = brush.color()  # as LinearRegionItem derives it (unused: never moved)
            hover.setAlpha(min(hover.alpha() * 2, 255))
            for region in items:
                region.setBrush(brush)
                region.setHoverBrush(hover)
                region.setRegion((t_min, t_min))
                region.setVisible(True)
                region.update()
        else:
            items = []
            for plot in self.plots.values():
                region = pg.LinearRegionItem(
                    (t_min, t_min), movable=False, brush=brush, pen=pg.mkPen(None)
                )
                region.setZValue(-10)
                plot.addItem(region)
                items.append(region)
        self._bands.append((items, t_min, None))

    def _close_band(self, t_min: float) -> None:
        if self._bands and self._bands[-1][2] is None:
            items, start, _ = self._bands[-1]
            for item in items:
                item.setRegion((start, t_min))
            self._bands[-1] = (items, start, t_min)

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        self._now_min = snap.t_s / 60.0
        b = snap.baseline
        for vital, value in (
            (Vital.SBP, b.sbp_mmhg if b else None),
            (Vital.DBP, b.dbp_mmhg if b else None),
            (Vital.HR, b.hr_bpm if b else None),
        ):
            line = self.baseline_lines[vital]
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)
        if b is not self._shown_baseline:
            self._shown_baseline = b
            self.limits.follow_baseline(snap.baseline)
        self._update_window(snap)
        self.concentration.on_snapshot(snap)

    def _update_window(self, snap: Snapshot) -> None:
        """Fixed window: session start to planned end (now + what core says is left)."""
        left_s = snap.status.total_remaining_s if snap.status else None
        planned_min = (snap.t_s + (left_s or 0.0)) / 60.0
        window = (0.0, max(planned_min + 2.0, 30.0))
        if not left_s:
            # Past the plan (or none yet) the end is "now": grow in whole steps, so a
            # fast replay does not reset the range (and rebin) many times a second.
            if window[1] <= self._x_window[1]:
                return
            window = (0.0, math.ceil(window[1] / WINDOW_STEP_MIN) * WINDOW_STEP_MIN)
        if abs(window[1] - self._x_window[1]) > 0.5:
            self._x_window = window
            self.plots["bp"].setXRange(*window, padding=0)
            bin_min = bin_width_s((window[1] - window[0]) * 60.0) / 60.0
            for buffer in self.buffers.values():
                buffer.set_bin_width(bin_min)
            self.concentration.set_bin_width(bin_min)

    # ---- drawing --------------------------------------------------------------------

    def redraw(self) -> None:
        """Push changed buffers to their curves and move the open band and 'now' line."""
        changed = set()
        for vital, buffer in self.buffers.items():
            if buffer.version == self._drawn_versions[vital]:
                continue
            self._drawn_versions[vital] = buffer.version
            changed.add(vital)
            tail = self.tail_curves.get(vital)
            if tail is None:
                x, y = buffer.view()
                self.curves[vital].setData(x, y, connect="finite")
                continue
            if buffer.done_version != self._drawn_done[vital]:
                x, y = buffer.done_view()
                self.curves[vital].setData(x, y, connect="finite")
                self._drawn_done[vital] = buffer.done_version
            x, y = buffer.open_view()
            tail.setData(x, y, connect="finite")
        if changed & {Vital.SBP, Vital.DBP}:
            self._draw_nibp_bars()
        if Vital.SPO2 in changed:
            self._follow_spo2()
        self.concentration.redraw()
        if self._bands and self._bands[-1][2] is None:
            items, start, _ = self._bands[-1]
            for item in items:
                item.setRegion((start, self._now_min))
        for line in self.now_lines:
            line.setValue(self._now_min)

    def _draw_nibp_bars(self) -> None:
        """A vertical bar per reading from diastolic to systolic (same-time pairs)."""
        sx, sy = self.buffers[Vital.SBP].view()
        dx, dy = self.buffers[Vital.DBP].view()
        if not len(sx) or not len(dx):
            self.nibp_bars.setData([], [])
            return
        dbp_at = {round(float(t), 4): float(v) for t, v in zip(dx, dy, strict=False)}
        xs, ys = [], []
        for t, sbp in zip(sx, sy, strict=False):
            dbp = dbp_at.get(round(float(t), 4))
            if dbp is not None and np.isfinite(sbp) and np.isfinite(dbp):
                xs += [float(t), float(t)]
                ys += [float(sbp), dbp]
        self.nibp_bars.setData(np.array(xs), np.array(ys), connect="pairs")

    def _follow_spo2(self) -> None:
        """The SpO2 axis reaches below the lowest value seen (72 % stays on the plot); the
        lowest value is kept as samples arrive, so this costs the same at any hour."""
        low = Y_RANGES["spo2"][0]
        if math.isfinite(self._spo2_min):
            low = min(low, int(math.floor(self._spo2_min)) - SPO2_FLOOR_MARGIN)
        low = max(0, low)
        if low != self._spo2_floor:
            self._spo2_floor = low
            self.plots["spo2"].setYRange(low, Y_RANGES["spo2"][1], padding=0)

    @property
    def limit_lines(self) -> list[tuple[pg.InfiniteLine, object]]:
        """Every alarm-limit line with its criterion (ui/limit_lines.py)."""
        return self.limits.lines

    @property
    def spo2_range(self) -> tuple[float, float]:
        low, high = self.plots["spo2"].viewRange()[1]
        return low, high

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.redraw_timer.stop()
        super().closeEvent(event)
