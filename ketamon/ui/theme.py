"""Colours and the stylesheet: one place, so every widget speaks the same visual language."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication

from ketamon.core.vitals import Vital
from ketamon.resources import styles_dir

# Monitor conventions: HR green, SpO2 cyan, NIBP red, RR yellow.
VITAL_COLOURS = {
    Vital.HR: "#30ff60",
    Vital.SPO2: "#40d8ff",
    Vital.SBP: "#ff6060",
    Vital.DBP: "#ffb040",  # amber: a diastolic mark is never mistaken for a systolic one
    Vital.MAP: "#ffffff",
    Vital.RR: "#ffe040",
}
BASELINE_COLOUR = "#b0b0b0"
NIBP_BAR_COLOUR = "#a03838"  # the bar from diastolic to systolic
# Opaque (pre-blended on black): alpha fills over the whole plot cost a blend per pixel.
PHASE_BAND_COLOURS = {
    "infusion": "#07301a",
    "paused": "#3a2800",
    "observation": "#0a2040",
}


DESIGN_HEIGHT_PX = 900  # the stylesheet's sizes are for a window this tall
MIN_SCALE, MAX_SCALE = 0.8, 1.25  # 720 px to 1125 px and more


def scaled_stylesheet(text: str, scale: float) -> str:
    """Every `Npx` in the stylesheet times `scale` (never below 1 px)."""
    return re.sub(r"(\d+)px", lambda m: f"{max(1, round(int(m.group(1)) * scale))}px", text)


def height_scale(height_px: int) -> float:
    """Text and padding for a window `height_px` tall: smaller on a 768-px laptop, larger
    on a 1080-px screen (the numerics fill their tiles whatever this is)."""
    return min(MAX_SCALE, max(MIN_SCALE, height_px / DESIGN_HEIGHT_PX))


def screen_scale(app: QApplication) -> float:
    """The scale for the primary screen's available height (1.0 without a real screen)."""
    screen = app.primaryScreen()
    if screen is None or app.platformName() == "offscreen":
        return 1.0  # no real screen: keep the design sizes (tests)
    return height_scale(screen.availableGeometry().height())


def apply_theme(app: QApplication, name: str = "dark", scale: float | None = None) -> None:
    text = (styles_dir() / f"{name}.qss").read_text(encoding="utf-8")
    app.setStyleSheet(scaled_stylesheet(text, screen_scale(app) if scale is None else scale))
