"""One trend plot: a view box with a left and a bottom axis, as pyqtgraph's PlotItem lays
them out, without the PlotItem's options panel and menus.

pyqtgraph's PlotItem builds, for every plot, an options panel of some 40 widgets and its
menus; the trends never show them (no context menu, no mouse), yet with the window's style
sheet each of those widgets was made and polished: about 25 ms of CPU before the first
frame for the five plots (bench/startup.py). The grid here is the PlotItem's (row 2: left
axis and view; row 3: bottom axis; rows 0-1 and column 2, its title, top and right axis,
empty; 1 px margins, no spacing), so a plot looks the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsItem, QSizePolicy

# Where PlotItem puts its parts in its 4x3 grid (row, column).
VIEW_CELL = (2, 1)
AXIS_CELLS = {"left": (2, 0), "bottom": (3, 1)}


class TrendPlot(pg.GraphicsWidget):
    """A view box with `bottom_axis` below it and a left axis, for one trend.

    The part of PlotItem's interface the trends use: `plot`, `addItem`, `removeItem`,
    `items`, `setXLink`, `setXRange`, `setYRange`, `viewRange`, `getAxis`, `getViewBox`,
    `setLabel`.
    """

    def __init__(self, bottom_axis: pg.AxisItem):
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QGraphicsGridLayout()
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setHorizontalSpacing(0)
        layout.setVerticalSpacing(0)
        self.setLayout(layout)
        self.vb = pg.ViewBox(parent=self, enableMenu=False)
        self.vb.setMouseEnabled(x=False, y=False)
        layout.addItem(self.vb, *VIEW_CELL)
        self.axes = {"left": pg.AxisItem("left", parent=self), "bottom": bottom_axis}
        for name, axis in self.axes.items():
            axis.linkToView(self.vb)
            layout.addItem(axis, *AXIS_CELLS[name])
            # As PlotItem: the axes above images (z 0), below what wants to be on top.
            axis.setZValue(0.5)
            axis.setFlag(QGraphicsItem.GraphicsItemFlag.ItemNegativeZStacksBehindParent)
        for row in range(4):
            layout.setRowPreferredHeight(row, 0)
            layout.setRowMinimumHeight(row, 0)
            layout.setRowSpacing(row, 0)
            layout.setRowStretchFactor(row, 1)
        for column in range(3):
            layout.setColumnPreferredWidth(column, 0)
            layout.setColumnMinimumWidth(column, 0)
            layout.setColumnSpacing(column, 0)
            layout.setColumnStretchFactor(column, 1)
        # PlotItem's title row, top axis row and right axis column hold items hidden at
        # zero size; here they are empty and held at zero.
        layout.setRowFixedHeight(0, 0)
        layout.setRowFixedHeight(1, 0)
        layout.setColumnFixedWidth(2, 0)
        layout.setRowStretchFactor(2, 100)
        layout.setColumnStretchFactor(1, 100)
        self.items: list[QGraphicsItem] = []

    def addItem(self, item: QGraphicsItem) -> None:  # noqa: N802 (PlotItem's name)
        if item in self.items:
            return
        self.items.append(item)
        self.vb.addItem(item)

    def removeItem(self, item: QGraphicsItem) -> None:  # noqa: N802 (PlotItem's name)
        if item in self.items:
            self.items.remove(item)
            self.vb.removeItem(item)

    def plot(self, **options) -> pg.PlotDataItem:
        """A new PlotDataItem with `options` (PlotDataItem's keywords), added."""
        item = pg.PlotDataItem(**options)
        self.addItem(item)
        return item

    def getAxis(self, name: str) -> pg.AxisItem:  # noqa: N802 (PlotItem's name)
        return self.axes[name]

    def getViewBox(self) -> pg.ViewBox:  # noqa: N802 (PlotItem's name)
        return self.vb

    def setLabel(self, axis: str, text: str, **style) -> None:  # noqa: N802 (PlotItem's name)
        self.axes[axis].setLabel(text=text, **style)

    def setXLink(self, other: TrendPlot) -> None:  # noqa: N802 (PlotItem's name)
        self.vb.setXLink(other.vb)

    def setXRange(self, low: float, high: float, padding: float = 0.0) -> None:  # noqa: N802
        self.vb.setXRange(low, high, padding=padding)

    def setYRange(self, low: float, high: float, padding: float = 0.0) -> None:  # noqa: N802
        self.vb.setYRange(low, high, padding=padding)

    def viewRange(self) -> list[list[float]]:  # noqa: N802 (PlotItem's name)
        return self.vb.viewRange()


class GuideLines(pg.GraphicsObject):
    """Horizontal lines at `values_y` across the whole view, drawn as pyqtgraph's
    InfiniteLine draws a horizontal line (`pen`, miter joins, no antialiasing): one item
    for a plot's guides instead of an InfiniteLine each, fewer items to make and add
    before the first frame."""

    def __init__(self, values_y: Sequence[float], pen: QPen):
        super().__init__()
        self.values_y = tuple(values_y)
        self._pen = QPen(pen)
        self._pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph: the view moved or resized)
        self.prepareGeometryChange()
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        view = self.viewRect()
        return QRectF() if view is None else view.normalized()

    def paint(self, painter: QPainter, *args) -> None:
        view = self.viewRect()
        if view is None:
            return
        view = view.normalized()
        painter.setPen(self._pen)
        for y in self.values_y:
            painter.drawLine(QPointF(view.left(), y), QPointF(view.right(), y))
