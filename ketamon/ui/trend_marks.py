"""What the trends mark at a moment: notes, manual BP readings, and the app's downtime.

A note (or MOAA/S score, or pump confirmation) is a dashed line through every plot,
labelled on the BP plot, a note close to the one before labelled lower down so the
labels never overlap; an undone note stays faint, "(undone)". A manual BP is a
white-ringed diamond at the time it was measured. The time the app was not running
is a grey band, labelled, with no line across it. Times in minutes on the x axis.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyqtgraph as pg
from PySide6.QtCore import Qt

from ketamon.core.session import SessionEvent

ANNOTATION_SLOTS = (0.95, 0.78, 0.61, 0.44)  # label heights, so close notes do not overlap
ANNOTATION_NEAR_MIN = 4.0  # notes closer than this take the next slot
DOWNTIME_COLOUR = (90, 90, 90, 110)
NOTE_COLOUR = "#c8c8ff"


class TrendMarks:
    """The marks on `plots` (key -> plot, "bp" among them); `bp_top` the BP plot's top (mmHg)."""

    def __init__(self, plots: Mapping[str, pg.GraphicsObject], bp_top: float):
        self.plots = plots
        self._bp_top = bp_top
        self.annotation_lines: list[pg.InfiniteLine] = []
        self._annotation_marks: list[tuple[float, int]] = []  # (t_min, label slot)
        self.downtime_items: list = []  # bands and labels where the app was not running
        self.downtime_text = ""
        self.manual_marks = pg.ScatterPlotItem(
            symbol="d", size=14, pen=pg.mkPen("#ffffff", width=2), brush=None, name="manual"
        )
        self.manual_points: list[tuple[float, float]] = []  # (minutes, mmHg)
        plots["bp"].addItem(self.manual_marks)

    def clear(self) -> None:
        """Remove every mark (a replay's seek draws them again up to its position)."""
        self.manual_points.clear()
        self.manual_marks.setData([], [])
        for item in self.annotation_lines + self.downtime_items:
            for plot in self.plots.values():
                if item in plot.items:
                    plot.removeItem(item)
        self.annotation_lines.clear()
        self._annotation_marks.clear()
        self.downtime_items.clear()

    def downtime(self, event: SessionEvent) -> None:
        """A `session.resumed` record: the band from `down_from_s` to `down_to_s`."""
        start = event.data["down_from_s"] / 60.0
        end = event.data["down_to_s"] / 60.0
        self.downtime_text = event.data.get("gap") or "app not running"
        brush = pg.mkBrush(DOWNTIME_COLOUR)
        for key, plot in self.plots.items():
            region = pg.LinearRegionItem(
                (start, end), movable=False, brush=brush, pen=pg.mkPen(None)
            )
            region.setZValue(-8)
            plot.addItem(region)
            self.downtime_items.append(region)
            if key == "bp":
                label = pg.TextItem(self.downtime_text, color="#e0e0e0", anchor=(0, 0))
                label.setPos(start, self._bp_top - 5)
                plot.addItem(label)
                self.downtime_items.append(label)

    def manual(self, data: dict) -> None:
        """A `nibp.manual` record: SBP and DBP (mmHg) marked at `measured_at_s`."""
        x_min = data["measured_at_s"] / 60.0
        self.manual_points += [(x_min, data["sbp"]), (x_min, data["dbp"])]
        xs, ys = zip(*self.manual_points, strict=True)
        self.manual_marks.setData(list(xs), list(ys))

    def annotation(self, t_min: float, text: str) -> None:
        """A note at `t_min`, labelled `text` on the BP plot."""
        pen = pg.mkPen(NOTE_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        previous = self._annotation_marks[-1] if self._annotation_marks else None
        slot = 0
        if previous is not None and t_min - previous[0] < ANNOTATION_NEAR_MIN:
            slot = (previous[1] + 1) % len(ANNOTATION_SLOTS)
        self._annotation_marks.append((t_min, slot))
        for key, plot in self.plots.items():
            line = pg.InfiniteLine(
                t_min,
                angle=90,
                pen=pen,
                movable=False,
                label=text if key == "bp" else None,
                labelOpts={
                    "position": ANNOTATION_SLOTS[slot],
                    "color": NOTE_COLOUR,
                    "rotateAxis": (1, 0),
                },
            )
            plot.addItem(line)
            self.annotation_lines.append(line)

    def undo_annotation(self, note_t_s: float | None) -> None:
        """The note made at `note_t_s` (s) was undone: its line stays faint, labelled so."""
        if note_t_s is None:
            return
        faint = pg.mkPen("#505060", width=1, style=Qt.PenStyle.DotLine)
        for line in self.annotation_lines:
            if abs(line.value() - note_t_s / 60.0) < 1e-6:
                line.setPen(faint)
                if line in self.plots["bp"].items:
                    line.label.setFormat(line.label.format + " (undone)")
                    line.label.setColor("#707080")
