"""`ketamon central`: the central station window, one tile per bed of the site.

Read-only: it shows what bedsides publish and never commands one. Its own
alarms: a bed OFFLINE (no heartbeat for 6 s), and the broker away. Audio sounds
for high-priority alarms; ACKNOWLEDGE and AUDIO PAUSE here are the central's own
and change nothing at the bedside.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import PATTERNS
from ketamon.core.central import CentralModel
from ketamon.core.central_types import BedMessage
from ketamon.core.config import ConfigError
from ketamon.format import mmss
from ketamon.io.audio import ToneOutput
from ketamon.io.net.link import LinkStatus
from ketamon.io.net.mqtt_messages import check_name
from ketamon.io.net.mqtt_subscriber import MqttSubscriber
from ketamon.io.net.net_config import load_net_config, parse_mqtt_url
from ketamon.resources import sounds_dir
from ketamon.ui.alarm_banner import Flasher
from ketamon.ui.central_tile import BedTile, BedTrends
from ketamon.ui.sound import select_tones

log = logging.getLogger(__name__)

PUMP_MS = 250
COLUMNS = 3


class BedFeed(Protocol):
    """Where the central's messages come from (the MQTT subscriber, or a test's list)."""

    def drain(self) -> list[BedMessage]: ...

    def status(self) -> LinkStatus: ...

    def close(self) -> None:
        """Disconnect (when the station closes)."""
        ...


class CentralSound:
    """The high-alarm pattern, at once and then every repeat interval while it sounds."""

    CHECK_EVERY_S = 1.0  # how often the output is asked whether it still works

    def __init__(self, tones: ToneOutput) -> None:
        self.tones = tones
        self.plays = 0
        self._since = QElapsedTimer()
        self._sounding = False
        self._checked_s: float | None = None

    def lost(self, now_s: float) -> bool:
        """True once, when the output stops working (`tones.notice` says why)."""
        if not self.tones.available:
            return False
        if self._checked_s is not None and now_s - self._checked_s < self.CHECK_EVERY_S:
            return False
        self._checked_s = now_s
        return not self.tones.check(now_s)

    def update(self, priority: Priority | None) -> None:
        if priority is None:
            self._sounding = False
            return
        due = not self._sounding or self._since.elapsed() >= PATTERNS[priority].repeat_s * 1000
        if due:
            self._sounding = True
            self._since.start()
            self.plays += 1
            self.tones.play(priority)


class CentralWindow(QMainWindow):
    """Tiles of `model`, fed from `feed` every 250 ms; `now` is the central's clock (s)."""

    def __init__(
        self,
        model: CentralModel,
        feed: BedFeed,
        site: str,
        now: Callable[[], float] = time.monotonic,
        tones: ToneOutput | None = None,
        parent: QWidget | None = None,
    ):
        """`tones` None: this machine's alarm sound output (tests pass their own)."""
        super().__init__(parent)
        self.model = model
        self.feed = feed
        self.now = now
        self.setWindowTitle(f"ketamon central station: {site} (read-only)")
        self.flasher = Flasher(self)
        self.sound = CentralSound(tones if tones is not None else select_tones(sounds_dir(), self))
        self.destroyed.connect(self.sound.tones.close)
        self.tiles: dict[str, BedTile] = {}
        self.trend_windows: list[BedTrends] = []
        self.broker = QLabel("", objectName="centralBroker")
        self.acknowledge = QPushButton("ACKNOWLEDGE", objectName="acknowledgeButton")
        self.pause = QPushButton("AUDIO PAUSE", objectName="pauseAudioButton")
        self.acknowledge.clicked.connect(self._on_acknowledge)
        self.pause.clicked.connect(self._on_pause_audio)
        self.sound_notice = QLabel("" if self.sound.tones.available else "NO SOUND")
        self.sound_notice.setToolTip(self.sound.tones.notice)
        top = QHBoxLayout()
        top.addWidget(QLabel(f"Site {site}", objectName="centralSite"))
        top.addWidget(self.broker, 1)
        top.addWidget(self.sound_notice)
        top.addWidget(self.acknowledge)
        top.addWidget(self.pause)
        self.grid = QGridLayout()
        self.waiting = QLabel("Waiting for beds to publish...")
        self.grid.addWidget(self.waiting, 0, 0)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addLayout(self.grid, 1)
        self.setCentralWidget(body)
        model.on_change.connect(self._on_bed_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(PUMP_MS)
        self.timer.timeout.connect(self.pump)
        self.timer.start()

    def pump(self) -> None:
        """Apply what arrived, judge OFFLINE, update sound and the top bar."""
        now = self.now()
        for message in self.feed.drain():
            self.model.apply(message, now)
        self.model.tick(now)
        for name, tile in self.tiles.items():
            tile.show_view(self.model.beds[name])  # ages move on even without messages
        status = self.feed.status()
        self.broker.setText("" if status.ok else f"BROKER AWAY: {status.detail}")
        self.broker.setStyleSheet("" if status.ok else "background: #00c8e0; color: #000000;")
        if self.sound.lost(now):  # the audio device went away
            self.sound_notice.setText("NO SOUND")
            self.sound_notice.setToolTip(self.sound.tones.notice)
        self.sound.update(self.model.audio_priority(now))
        left = self.model.audio_pause_left_s(now)
        self.pause.setText("AUDIO PAUSE" if left is None else f"AUDIO PAUSED {mmss(left)}")

    def _on_bed_changed(self, bed: str) -> None:
        tile = self.tiles.get(bed)
        if tile is None:
            tile = self.tiles[bed] = BedTile(bed, self.flasher)
            tile.clicked.connect(self._on_tile_clicked)
            self.waiting.hide()
            for n, name in enumerate(sorted(self.tiles)):
                self.grid.addWidget(self.tiles[name], n // COLUMNS, n % COLUMNS)
        tile.show_view(self.model.beds[bed])

    def _on_tile_clicked(self, bed: str) -> None:
        window = BedTrends(self.model.beds[bed], self)
        self.trend_windows.append(window)
        window.show()

    def _on_acknowledge(self) -> None:
        self.model.acknowledge()
        self.sound.update(self.model.audio_priority(self.now()))

    def _on_pause_audio(self) -> None:
        self.model.pause_audio(self.now())
        self.pump()


def run_central(
    feed_factory: Callable[[], BedFeed],
    site: str,
    quit_after_s: float | None,
    screenshot: str | None = None,
) -> int:
    """Open the central station window until closed (or `quit_after_s` wall seconds)."""
    from ketamon.ui.app import _application

    app = _application()
    feed = feed_factory()
    window = CentralWindow(CentralModel(), feed, site)
    window.resize(1400, 850)
    window.show()
    if quit_after_s is not None:

        def finish() -> None:
            window.pump()
            if screenshot:
                window.grab().save(str(Path(screenshot)))
            window.close()
            app.quit()

        QTimer.singleShot(round(quit_after_s * 1000), finish)
    try:
        return app.exec()
    finally:
        feed.close()


def run_central_station(
    url: str,
    site: str,
    config_path: Path | None,
    quit_after_s: float | None,
    screenshot: str | None,
) -> int:
    """`ketamon central`: subscribe to `site` on the broker at `url`; 2 on a bad address/file."""
    try:
        target = parse_mqtt_url(url, check_name("site", site), "central")
        config = load_net_config(config_path)
    except (ValueError, ConfigError) as exc:
        log.error("cannot start: %s", exc)
        return 2

    def feed() -> MqttSubscriber:
        subscriber = MqttSubscriber(target, config)
        subscriber.start()
        return subscriber

    return run_central(feed, site, quit_after_s, screenshot)
