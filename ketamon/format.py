"""Text for the screen: times and numbers formatted the same way everywhere."""

from __future__ import annotations

import math
import time


def mmss(seconds: float | None) -> str:
    """'12:05', or 'h:mm:ss' past an hour; '--:--' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "--:--"
    total = max(0, int(math.ceil(seconds - 1e-9)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def age(seconds: float) -> str:
    """How long ago, for a reading's age: '45 s ago', '3 min ago'."""
    if seconds < 60:
        return f"{max(0, int(seconds))} s ago"
    return f"{int(seconds // 60)} min ago"


def number(value: float | None, decimals: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "---"
    return f"{value:.{decimals}f}"


def duration_text(seconds: float) -> str:
    """120 -> '2 min', 90 -> '90 s': a configured duration as a button says it."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def time_of_day(wall_s: float | None, seconds: bool = False) -> str:
    """Local time of day, '14:05' (or '14:05:09'); '--:--' when unknown."""
    if wall_s is None or not math.isfinite(wall_s):
        return "--:--"
    return time.strftime("%H:%M:%S" if seconds else "%H:%M", time.localtime(wall_s))


def wall_at(clock: dict | None, t_s: float) -> float | None:
    """The wall time of session time `t_s`, from a clock mapping
    {"wall_s", "t_s", "speed"} (session time t_s was wall time wall_s); None without one."""
    if not clock:
        return None
    speed = clock.get("speed") or 1.0
    return clock["wall_s"] + (t_s - clock["t_s"]) / speed


def predicted_text(cp: dict | None) -> str:
    """The report's line on the model's predicted plasma concentration (CLINICAL.md §6)."""
    if not cp:
        return "Predicted plasma concentration: no infusion"
    end = cp.get("end_of_loading_ng_per_ml")
    end_text = "" if end is None else f"end of loading {end:.0f} ng/mL, "
    return (
        f"Predicted plasma concentration (model, not measured; {cp['model']}): "
        f"{end_text}peak {cp['peak_ng_per_ml']:.0f} ng/mL"
    )
