"""When each of several devices was last heard, and which are silent (a per-device 'no data').

With several monitors, each device's silence is its own equipment condition:
`no_data@<device>` once it delivered no frame for the profile's `no_data_s` while
connected. A lost device (`source_lost@<device>`) is not also 'no data': one alarm
for one pulled cable. Times in session seconds.
"""

from __future__ import annotations

from collections.abc import Iterator

from ketamon.core.alarm_technical import DEVICE_SEPARATOR


class DeviceSilence:
    """The last frame time of each device that has spoken (or connected)."""

    def __init__(self) -> None:
        self._heard_s: dict[str, float] = {}
        self._conditions: dict[str, tuple[str, str]] = {}  # device -> (no_data, source_lost)

    @property
    def watching(self) -> bool:
        """True once any device was heard: its silence must be judged every step."""
        return bool(self._heard_s)

    def heard(self, t_s: float, device: str) -> None:
        """`device` delivered a frame (or connected) at `t_s`: its silence counts from here."""
        heard_s = self._heard_s.get(device)
        if heard_s is None:
            self._conditions[device] = (
                f"no_data{DEVICE_SEPARATOR}{device}",
                f"source_lost{DEVICE_SEPARATOR}{device}",
            )
        if heard_s is None or t_s > heard_s:
            self._heard_s[device] = t_s

    def restart(self, t_s: float) -> None:
        """Listening starts again at `t_s` (after the app was down): silence counts from now."""
        for device, heard_s in self._heard_s.items():
            self._heard_s[device] = max(heard_s, t_s)

    def changes(
        self, t_s: float, no_data_s: float, present: dict[str, bool]
    ) -> Iterator[tuple[str, bool, str]]:
        """(condition, present, detail) for each device whose 'no data' changes at `t_s`.

        `present`: the equipment conditions reported so far (condition -> present); read
        as each change is reported, so yield one, report it, then ask for the next.
        """
        for device, heard_s in self._heard_s.items():
            no_data, lost = self._conditions[device]
            quiet = t_s - heard_s >= no_data_s and not present.get(lost, False)
            if quiet != present.get(no_data, False):
                detail = f"no frame for {t_s - heard_s:.0f} s" if quiet else "data resumed"
                yield no_data, quiet, detail
