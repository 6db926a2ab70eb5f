"""The predicted plasma concentration on the trends: a curve and its value now.

Core computes it (Snapshot.predicted_cp_ng_per_ml, from the rates the pump
delivered, CLINICAL.md §6); this only draws it, in the trends' style: a point
every POINT_S of session time into a preallocated TrendBuffer, pushed to the
curve by the trends' one redraw timer when it changed, so the cost stays flat
in session length. A seek or a resumed session reloads the curve from core.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ketamon.core.session import Snapshot
from ketamon.ui.model import DashboardModel
from ketamon.ui.trend_buffer import TrendBuffer
from ketamon.ui.trend_plot import TrendPlot

POINT_S = 10.0  # one point per 10 s: the model changes slowly, the curve stays smooth
CP_COLOUR = "#c890ff"
LABEL = "predicted plasma concentration (model, not measured)"


class ConcentrationTrend:
    """Draws the model's Cp on `plot` for `model`'s session."""

    def __init__(self, plot: TrendPlot, model: DashboardModel):
        self._model = model
        self.buffer = TrendBuffer(capacity=4096)
        self.curve = plot.plot(pen=pg.mkPen(CP_COLOUR, width=2), connect="finite")
        self.curve.setClipToView(True)
        self.label = pg.TextItem("", color=CP_COLOUR, anchor=(0, 0))
        font = pg.QtGui.QFont()
        font.setPixelSize(15)  # legible from the chair beside the bed
        self.label.setFont(font)
        self.label.setPos(0, 0)
        plot.addItem(self.label)
        self._plot = plot
        # Kept at the view's top-left corner whenever the x window moves (a replay's seek
        # moves it after the snapshot), so the text is never cut at the plot's edge.
        plot.getViewBox().sigRangeChanged.connect(self._on_range_changed)
        self._last_s: float | None = None
        self._drawn_version = -1
        self.text = ""

    def reset(self) -> None:
        """Reload from core up to the model's time (a replay's seek, a resumed session)."""
        t_s = self._model.snapshot().t_s
        times, values = self._model.session.predicted_cp_curve(t_s, POINT_S)
        self.buffer.load(np.asarray(times, dtype=float) / 60.0, np.asarray(values, dtype=float))
        self._last_s = times[-1] if times else None

    def on_snapshot(self, snap: Snapshot) -> None:
        cp = snap.predicted_cp_ng_per_ml
        if cp is None:
            self.text = ""
        else:
            self.text = f"{LABEL}\n{snap.pk_model}: {cp:.0f} ng/mL now"
            if self._last_s is None or snap.t_s - self._last_s >= POINT_S:
                self.buffer.append(snap.t_s / 60.0, cp)
                self._last_s = snap.t_s
        # Three short lines rather than one long one: the row is narrow at 1366 px.
        shown = self.text.replace(" (model,", "\n(model,", 1)
        if self.label.toPlainText() != shown:
            self.label.setText(shown)
        self._on_range_changed()

    def _on_range_changed(self) -> None:
        (x_left, _x_right), (_y_bottom, y_top) = self._plot.viewRange()
        if self.label.pos().x() != x_left or self.label.pos().y() != y_top:
            self.label.setPos(x_left, y_top)

    def set_bin_width(self, bin_min: float) -> None:
        self.buffer.set_bin_width(bin_min)

    def redraw(self) -> None:
        if self.buffer.version != self._drawn_version:
            x, y = self.buffer.view()
            self.curve.setData(x, y, connect="finite")
            self._drawn_version = self.buffer.version
