"""Alarm-limit labels on the trends that never overlap.

A plot about 60 px high (1280x720) holds up to nine limit lines close together;
their labels, drawn where they fall, piled into an unreadable smear. Each plot's
labels are placed in order of importance (high-priority limits first): a label
tries its own place along the line, then the others; if it overlaps an already
placed label everywhere, it is hidden (its dotted line stays, in its priority
colour). Placement is pixel geometry only: it runs when a plot's size, y range
or a baseline-relative limit changes, never per sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QRectF

GAP_PX = 1.0  # labels closer than this count as touching


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
