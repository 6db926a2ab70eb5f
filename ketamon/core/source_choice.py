"""Several monitors at once: which one each vital is taken from.

Each vital comes from the FIRST device in the nurse's list that supplies it. A
device "supplies" a vital while it has sent a value of it within `hold_s` of now:
continuous vitals (HR, SpO2, RR) within CONTINUOUS_HOLD_S, cuff readings within
NIBP_HOLD_S (longer than any protocol's NIBP interval, so a monitor between two
cuff cycles keeps its place). A later device fills only the vitals the earlier
ones do not supply, and takes over a vital when an earlier device falls silent on
it for the hold time, or at once when the earlier device is lost (a pulled cable):
the hold is shorter than the profile's no-data time, so a hand-over never shows
as a "no data" alarm. Times in session seconds.
"""

from __future__ import annotations

from ketamon.core.vitals import Vital

# A pulse oximeter sends every 1-2 s: silent 5 s, it yields. Shorter than the default
# no-data time (10 s), so a monitor sending every 5 s (GE S/5) takes over in time.
CONTINUOUS_HOLD_S = 5.0
NIBP_HOLD_S = 20 * 60.0  # longer than the longest NIBP interval (15 min, CLINICAL.md §2)


class SourceChoice:
    """Decides per sample whether a device's value is the one shown and judged."""

    def __init__(self, devices: list[str]):
        """`devices`: device names in priority order (the nurse's list)."""
        self.devices = list(devices)
        self._rank = {name: i for i, name in enumerate(self.devices)}
        self._last_s: dict[tuple[str, Vital], float] = {}

    def accept(self, device: str, vital: Vital, t_s: float) -> bool:
        """True when `device`'s value of `vital` at `t_s` is taken (and note that it sent one)."""
        self._last_s[(device, vital)] = t_s
        hold_s = NIBP_HOLD_S if vital.is_nibp else CONTINUOUS_HOLD_S
        for earlier in self.devices[: self._rank.get(device, len(self.devices))]:
            seen = self._last_s.get((earlier, vital))
            if seen is not None and t_s - seen <= hold_s:
                return False
        return True

    def release(self, device: str) -> None:
        """`device` is lost (cable pulled, port gone): later devices take its vitals now."""
        for key in [k for k in self._last_s if k[0] == device]:
            del self._last_s[key]
