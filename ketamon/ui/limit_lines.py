"""The alarm limits on the trends: a dotted line per limit, labelled, labels never overlapping.

Each limit of the alarm profile is drawn once per plot in its priority colour
("SBP ≥180 ***"); a rise limit ("SBP +40 **") follows the baseline.

A plot about 60 px high (1280x720) holds up to nine limit lines close together;
their labels, drawn where they fall, piled into an unreadable smear. Each plot's
labels are placed in order of importance (high-priority limits first): a label
tries its own place along the line, then the others; if it overlaps an already
placed label everywhere, it is hidden (its dotted line stays, in its priority
colour). Placement is pixel geometry only: it runs when a plot's size, y range
or a baseline-relative limit changes, never per sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, QTimer

from ketamon.core.alarm_profile import AlarmProfile
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import Vital
from ketamon.ui.alarm_banner import PRIORITY_COLOURS

GAP_PX = 1.0  # labels closer than this count as touching
LABEL_SLOTS = (0.99, 0.74, 0.49)  # places along a line (from the left) a label may take


def place_labels(lines: Sequence[tuple[pg.InfiniteLine, float]], slots: Sequence[float]) -> int:
    """Show each visible line's label where it overlaps none placed before it.

    `lines`: one plot's limit lines with their own place along the line (0-1 from the
    left), most important first; `slots`: the other places to try. Returns how many
    labels had to be hidden.
    """
    placed: list[QRectF] = []
    hidden = 0
    for line, own in lines:
        label = line.label
        if not line.isVisible():
            continue
        label.setVisible(True)  # a hidden label's geometry is not kept up to date
        label.updateTransform(force=True)
        spot = None
        for position in (own, *(s for s in slots if s != own)):
            label.setPosition(position)
            rect = label.sceneBoundingRect().adjusted(-GAP_PX, -GAP_PX, GAP_PX, GAP_PX)
            if not any(rect.intersects(other) for other in placed):
                spot = rect
                break
        if spot is None:
            label.setPosition(own)
            label.setVisible(False)
            hidden += 1
            continue
        placed.append(spot)
    return hidden


def limit_label(criterion, priority) -> str:
    """'SBP ≥180 ***', 'SBP +40 **' (a rise over baseline): what the dotted line is."""
    op = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "rise": "+", "rise_pct": "+"}.get(
        criterion.op, criterion.op
    )
    pct = "%" if criterion.op == "rise_pct" else ""
    return f"{criterion.vital.label} {op}{criterion.limit:g}{pct} {priority.marker}"


class LimitLines(QObject):
    """The limit lines of `profile` on `plots` (key -> plot; `plot_of`: vital -> key).

    `lines`: (line, criterion) per limit drawn. Labels are placed (`place_labels`) once the
    layout settles after a plot's size or y range changes, or a rise limit moves.
    """

    def __init__(
        self,
        plots: Mapping[str, pg.GraphicsObject],
        plot_of: Mapping[Vital, str],
        profile: AlarmProfile | None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.lines: list[tuple[pg.InfiniteLine, object]] = []
        # Per plot: its lines, most important first, with their own label place.
        self._order: dict[str, list[tuple[int, pg.InfiniteLine, float]]] = {}
        self.label_timer = QTimer(self)
        self.label_timer.setSingleShot(True)
        self.label_timer.setInterval(0)
        self.label_timer.timeout.connect(self.place)
        if profile is not None:
            self._add(plots, plot_of, profile)

    def _add(self, plots, plot_of, profile: AlarmProfile) -> None:
        seen: set[tuple] = set()
        per_plot: dict[str, int] = {}
        for rule in profile.rules:
            for criterion in rule.criteria:
                key = plot_of.get(criterion.vital)
                if key is None:
                    continue
                same = (key, criterion.vital, criterion.op, criterion.limit)
                if same in seen:  # one line per limit, however many rules share it
                    continue
                seen.add(same)
                # Labels of neighbouring limits start at different places along the line.
                slot = per_plot.get(key, 0)
                per_plot[key] = slot + 1
                own = LABEL_SLOTS[slot % len(LABEL_SLOTS)]
                colour = PRIORITY_COLOURS[rule.priority][0]
                line = pg.InfiniteLine(
                    angle=0,
                    pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
                    movable=False,
                    label=limit_label(criterion, rule.priority),
                    labelOpts={"position": own, "color": colour, "anchors": [(1, 1), (1, 1)]},
                )
                line.setZValue(-5)
                # Tight around its text (Qt's default margin is 4 px): more labels fit a
                # short plot without overlapping.
                line.label.textItem.document().setDocumentMargin(1)
                line.label.updateTextPos()
                plots[key].addItem(line)
                threshold = criterion.threshold(None)
                line.setVisible(threshold is not None)
                if threshold is not None:
                    line.setValue(threshold)
                self.lines.append((line, criterion))
                self._order.setdefault(key, []).append((-rule.priority.value, line, own))
        for key, entries in self._order.items():
            entries.sort(key=lambda entry: entry[0])  # stable: profile order within a priority
            view = plots[key].getViewBox()
            view.sigResized.connect(self.label_timer.start)
            view.sigYRangeChanged.connect(self.label_timer.start)

    def place(self) -> None:
        """Place every plot's labels so none overlap."""
        for entries in self._order.values():
            place_labels([(line, own) for _rank, line, own in entries], LABEL_SLOTS)

    def follow_baseline(self, baseline: Baseline | None) -> None:
        """Rise limits (SBP +40, HR +30) drawn over `baseline`; hidden without one."""
        base = (
            {}
            if baseline is None
            else {
                Vital.SBP: baseline.sbp_mmhg,
                Vital.DBP: baseline.dbp_mmhg,
                Vital.HR: baseline.hr_bpm,
            }
        )
        for line, criterion in self.lines:
            if criterion.is_rise:
                threshold = criterion.threshold(base.get(criterion.vital))
                line.setVisible(threshold is not None)
                if threshold is not None:
                    line.setValue(threshold)
        self.label_timer.start()
