"""Philips IntelliVue MP/MX "Data Export" over the MIB/RS232 port (115200 8N1, no flow control).

The host's side of the conversation (docs/protocols/intellivue.md):

1. port opens: send the association request;
2. the monitor accepts, then sends its MDS create event: answer it;
3. poll the numeric metric objects (extended poll) every second; every
   `keep_alive_s` also poll the MDS, which keeps the association alive;
4. on exit, release the association.

No answer (to the request, or to polls) within `answer_timeout_s`, a refusal, an
abort or a release by the monitor is a link problem: the connection reports the
source lost and reopens, and `on_connect` associates again. Values are taken by
nomenclature code, only in a clean measurement state; a NIBP reading is taken
once per absolute measurement time, however often the monitor repeats it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import Enum

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers import intellivue_export as export
from ketamon.io.parsers import intellivue_messages as msgs
from ketamon.io.parsers.base import Frame, ProtocolParser
from ketamon.io.parsers.intellivue_frames import Deframer, frame

log = logging.getLogger(__name__)

# Physiological identifiers (SCADA partition) and the vital each feeds.
NOM_ECG_CARD_BEAT_RATE = 0x4182
NOM_PULS_RATE = 0x480A
NOM_PLETH_PULS_RATE = 0x4822
NOM_PRESS_BLD_NONINV = 0x4A04
NOM_PRESS_BLD_NONINV_SYS = 0x4A05
NOM_PRESS_BLD_NONINV_DIA = 0x4A06
NOM_PRESS_BLD_NONINV_MEAN = 0x4A07
NOM_PULS_OXIM_SAT_O2 = 0x4BB8
NOM_RESP_RATE = 0x500A
NOM_AWAY_RESP_RATE = 0x5012
# Continuous values, best source first: ECG heart rate before a pulse rate, and so on.
CONTINUOUS_SOURCES = {
    Vital.HR: (NOM_ECG_CARD_BEAT_RATE, NOM_PLETH_PULS_RATE, NOM_PULS_RATE),
    Vital.SPO2: (NOM_PULS_OXIM_SAT_O2,),
    Vital.RR: (NOM_RESP_RATE, NOM_AWAY_RESP_RATE),
}
NIBP_PARTS = {
    NOM_PRESS_BLD_NONINV_SYS: Vital.SBP,
    NOM_PRESS_BLD_NONINV_DIA: Vital.DBP,
    NOM_PRESS_BLD_NONINV_MEAN: Vital.MAP,
}
# Unit codes (dimension partition) accepted per vital, with the factor to the vital's unit.
NOM_DIM_PERCENT = 0x0220
NOM_DIM_BEAT_PER_MIN = 0x0AA0
NOM_DIM_RESP_PER_MIN = 0x0AE0
NOM_DIM_KILO_PASCAL = 0x0F03
NOM_DIM_MMHG = 0x0F20
UNITS = {
    Vital.HR: {NOM_DIM_BEAT_PER_MIN: 1.0},
    Vital.SPO2: {NOM_DIM_PERCENT: 1.0},
    Vital.RR: {NOM_DIM_RESP_PER_MIN: 1.0},
    Vital.SBP: {NOM_DIM_MMHG: 1.0, NOM_DIM_KILO_PASCAL: 7.500617},
    Vital.DBP: {NOM_DIM_MMHG: 1.0, NOM_DIM_KILO_PASCAL: 7.500617},
    Vital.MAP: {NOM_DIM_MMHG: 1.0, NOM_DIM_KILO_PASCAL: 7.500617},
}


class LinkState(Enum):
    CLOSED = "closed"
    ASSOCIATING = "associating"  # request sent, waiting for the accept
    AWAITING_MDS = "awaiting MDS"  # accepted, waiting for the MDS create event
    POLLING = "polling"


@dataclass(frozen=True)
class IntelliVueTiming:
    """Seconds: how often to poll and keep alive, how long to wait for an answer."""

    poll_interval_s: float = 1.0
    keep_alive_s: float = 10.0
    answer_timeout_s: float = 3.0


class IntelliVueParser(ProtocolParser):
    name = "intellivue"
    label = "IntelliVue"
    supplies_nibp = True
    description = "Philips IntelliVue MP/MX Data Export, MIB/RS232 (NIBP, HR, SpO2, RR)"
    default_baud = 115200
    max_bytes_per_s = 4000  # a 1 s numerics poll result is a few hundred bytes

    def __init__(self, timing: IntelliVueTiming | None = None) -> None:
        super().__init__()
        self.timing = timing or IntelliVueTiming()
        self.silence_limit_s = self.timing.answer_timeout_s
        self._deframer = Deframer()
        self.state = LinkState.CLOSED
        self._problem: str | None = None
        self._replies: list[bytes] = []
        self._heard = False
        self._waiting_since: float | None = None  # an answer is owed since then
        self._next_poll_s = 0.0
        self._next_keep_alive_s = 0.0
        self._invoke_id = 0
        self._nibp_taken: dict[int, bytes] = {}  # object handle -> time of the reading taken
        self._last_nibp_untimed: tuple[float, ...] | None = None

    # ---- ProtocolParser -------------------------------------------------------------

    def on_connect(self, now_s: float) -> bytes:
        self._deframer.reset()
        self._replies.clear()
        self._problem = None
        self._heard = False
        self.state = LinkState.ASSOCIATING
        self._waiting_since = now_s
        return frame(msgs.association_request())

    def outgoing(self, now_s: float) -> bytes:
        if self._heard:
            self._heard = False
            self._waiting_since = None
        out = b"".join(frame(reply) for reply in self._replies)
        self._replies.clear()
        if self.state is LinkState.AWAITING_MDS and self._waiting_since is None:
            self._waiting_since = now_s  # the MDS create event is owed from now
        if self.state is LinkState.POLLING and self._problem is None:
            if now_s >= self._next_poll_s:
                self._next_poll_s = now_s + self.timing.poll_interval_s
                out += frame(export.ext_poll_request(self._next_invoke(), self._invoke_id))
                self._expect_answer(now_s)
            if now_s >= self._next_keep_alive_s:
                self._next_keep_alive_s = now_s + self.timing.keep_alive_s
                out += frame(export.keep_alive_request(self._next_invoke(), self._invoke_id))
                self._expect_answer(now_s)
        return out

    def link_problem(self, now_s: float) -> str | None:
        if self._problem is not None:
            return self._problem
        waited = None if self._waiting_since is None else now_s - self._waiting_since
        if waited is not None and waited > self.timing.answer_timeout_s and not self._heard:
            what = {
                LinkState.ASSOCIATING: "the association request",
                LinkState.AWAITING_MDS: "the association (no MDS create event)",
                LinkState.POLLING: "the numerics poll",
            }.get(self.state, "the host")
            self._problem = f"no answer to {what} for {waited:.1f} s"
        return self._problem

    def on_close(self, now_s: float) -> bytes:
        """Release the association when the host closes a working link (exit)."""
        live = self.state in (LinkState.AWAITING_MDS, LinkState.POLLING)
        self.state = LinkState.CLOSED
        return frame(msgs.release_request()) if live and self._problem is None else b""

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        before = self._deframer.stats.discarded_bytes, self._deframer.stats.bad_frames
        for user_data in self._deframer.push(data):
            try:
                result = self._handle(user_data)
            except msgs.Malformed as exc:
                log.debug("IntelliVue message dropped: %s", exc)
                self.stats.rejected_frames += 1
                self.stats.discarded_bytes += len(user_data)
                continue
            self.stats.frames += 1
            if result is not None and result.values:
                frames.append(result)
        stats = self._deframer.stats
        self.stats.discarded_bytes += stats.discarded_bytes - before[0]
        self.stats.rejected_frames += stats.bad_frames - before[1]
        return frames

    # ---- internals ------------------------------------------------------------------

    def _next_invoke(self) -> int:
        self._invoke_id = (self._invoke_id + 1) & 0xFFFF
        return self._invoke_id

    def _expect_answer(self, now_s: float) -> None:
        if self._waiting_since is None:
            self._waiting_since = now_s

    def _handle(self, user_data: bytes) -> Frame | None:
        kind = msgs.session_kind(user_data)
        if kind is not None:
            self._on_session(kind)
            return None
        message = export.decode_export(user_data)
        self._heard = True
        if message.command == msgs.CMD_CONFIRMED_EVENT_REPORT and message.ro_type == msgs.ROIV_APDU:
            # Every confirmed event is answered; the MDS create event also opens polling.
            self._replies.append(
                export.event_report_result(
                    message.invoke_id, message.managed_object, message.event_type or 0
                )
            )
            if message.event_type == msgs.NOM_NOTI_MDS_CREAT and self.state is not LinkState.CLOSED:
                self.state = LinkState.POLLING
                self._next_poll_s = self._next_keep_alive_s = 0.0
            return None
        if message.ro_type == msgs.ROER_APDU:
            log.info("IntelliVue answered invoke %d with an error", message.invoke_id)
            return None
        if (
            message.action_type == msgs.NOM_ACT_POLL_MDIB_DATA_EXT
            and message.ro_type != msgs.ROIV_APDU
        ):
            return self._numerics(message.objects)
        return None

    def _on_session(self, kind: str) -> None:
        self._heard = True
        if kind == "accepted" and self.state is LinkState.ASSOCIATING:
            self.state = LinkState.AWAITING_MDS
        elif kind == "refused":
            self._problem = "the monitor refused the association"
        elif kind == "abort":
            self._problem = "the monitor aborted the association"
        elif kind == "release":
            self._replies.append(msgs.release_response())
            self._problem = "the monitor released the association"

    def _numerics(self, objects: list[export.ObservedObject]) -> Frame:
        result = Frame()
        continuous: dict[int, export.NuObs] = {}
        for obj in objects:
            nibp: dict[Vital, float] = {}
            for obs in obj.values:
                if obs.physio_id in NIBP_PARTS:
                    value = self._usable(NIBP_PARTS[obs.physio_id], obs)
                    if value is not None:
                        nibp[NIBP_PARTS[obs.physio_id]] = value
                elif obs.physio_id not in continuous:
                    continuous[obs.physio_id] = obs
            if Vital.SBP in nibp and Vital.DBP in nibp:
                self._take_nibp(result, obj, nibp)
        for vital, sources in CONTINUOUS_SOURCES.items():
            for physio_id in sources:
                obs = continuous.get(physio_id)
                value = None if obs is None else self._usable(vital, obs)
                if value is not None:
                    result.values[vital] = value
                    break
        return result

    def _usable(self, vital: Vital, obs: export.NuObs) -> float | None:
        """The value in `vital`'s unit if the monitor vouches for it; implausible ones counted."""
        if obs.state & msgs.STATE_NOT_USABLE or not math.isfinite(obs.value):
            return None  # not measured now: no sample, no artefact
        factor = UNITS[vital].get(obs.unit)
        if factor is None:
            self.stats.implausible_values += 1
            return None
        value = obs.value if factor == 1.0 else round(obs.value * factor, 1)
        if not is_plausible(vital, value):
            self.stats.implausible_values += 1
            return None
        return value

    def _take_nibp(
        self, result: Frame, obj: export.ObservedObject, nibp: dict[Vital, float]
    ) -> None:
        when = obj.abs_time
        if when is not None and msgs.decode_abs_time(when) is not None:
            if self._nibp_taken.get(obj.handle) == when:
                return  # the same cuff reading, repeated by every poll
            self._nibp_taken[obj.handle] = when
        else:
            # No usable measurement time: a reading is new when its numbers change.
            triple = tuple(nibp.get(v, math.nan) for v in (Vital.SBP, Vital.DBP, Vital.MAP))
            if triple == self._last_nibp_untimed:
                return
            self._last_nibp_untimed = triple
        result.values.update(nibp)
