"""Colours and the stylesheet: one place, so every widget speaks the same visual language."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ketamon.core.vitals import Vital
from ketamon.resources import styles_dir

# Monitor conventions: HR green, SpO2 cyan, NIBP red, RR yellow.
VITAL_COLOURS = {
    Vital.HR: "#30ff60",
    Vital.SPO2: "#40d8ff",
    Vital.SBP: "#ff6060",
    Vital.DBP: "#ff9a9a",
    Vital.MAP: "#ff6060",
    Vital.RR: "#ffe040",
}
BASELINE_COLOUR = "#b0b0b0"
# Opaque (pre-blended on black): alpha fills over the whole plot cost a blend per pixel.
PHASE_BAND_COLOURS = {
    "infusion": "#07301a",
    "paused": "#3a2800",
    "observation": "#0a2040",
}


def apply_theme(app: QApplication, name: str = "dark") -> None:
    app.setStyleSheet((styles_dir() / f"{name}.qss").read_text(encoding="utf-8"))
