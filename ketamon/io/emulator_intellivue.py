"""The IntelliVue monitor's side of Data Export, for `ketamon emulate --protocol intellivue`.

Accepts (or, on request, refuses) the host's association, sends its MDS create
event, and answers each poll with the simulated patient's latest numerics: HR as
the ECG heart rate, SpO2, RR, and the latest cuff reading with its absolute
measurement time (repeated by every poll, as a real monitor does; the host takes
it once). A sensor-off moment sends SpO2 as invalid. For reconnect tests the
side can go silent (`drop_link`, or every `drop_link_every_s` of association)
until the host associates again, or abort the association (`abort`).

`sent` logs each value exactly as encoded, each cuff reading once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.io.emulator import MonitorSide
from ketamon.io.parsers import intellivue as iv
from ketamon.io.parsers import intellivue_export as export
from ketamon.io.parsers import intellivue_messages as msgs
from ketamon.io.parsers.intellivue_frames import Deframer, frame

# (object handle, physio id, unit) of each continuous numeric the monitor exports.
CONTINUOUS = {
    Vital.HR: (1, iv.NOM_ECG_CARD_BEAT_RATE, iv.NOM_DIM_BEAT_PER_MIN),
    Vital.SPO2: (2, iv.NOM_PULS_OXIM_SAT_O2, iv.NOM_DIM_PERCENT),
    Vital.RR: (3, iv.NOM_RESP_RATE, iv.NOM_DIM_RESP_PER_MIN),
}
NIBP_HANDLE = 4
CLOCK_START = datetime(2026, 12, 1, 8, 0, 0)  # the emulated monitor's clock at session 0 s


class IntelliVueSide(MonitorSide):
    """One emulated IntelliVue on the MIB port; values go out as whole numbers, as displayed."""

    def __init__(self, refuse_association: bool = False, drop_link_every_s: float | None = None):
        super().__init__()
        self.refuse_association = refuse_association
        self.drop_link_every_s = drop_link_every_s
        self.associated = False
        self.silent = False  # link dropped: ignore the host until it associates again
        self.associations = 0
        self._associated_at_s = 0.0
        self._deframer = Deframer()
        self._invoke_id = 0
        self._latest: dict[Vital, float] = {}
        self._sensor_off = False
        self._nibp: NibpReading | None = None
        self._nibp_logged: NibpReading | None = None

    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        values = {s.vital: s.value for s in samples}
        for vital in CONTINUOUS:
            if vital in values:
                self._latest[vital] = values[vital]
        if Vital.SBP in values and Vital.DBP in values:
            mean = values.get(Vital.MAP, (values[Vital.SBP] + 2 * values[Vital.DBP]) / 3)
            self._nibp = NibpReading(t_s, values[Vital.SBP], values[Vital.DBP], mean)
        self._sensor_off = sensor_off
        return b""  # a polled monitor says nothing unasked

    def receive(self, data: bytes, t_s: float) -> bytes:
        if (
            self.drop_link_every_s is not None
            and self.associated
            and t_s - self._associated_at_s >= self.drop_link_every_s
        ):
            self.drop_link()
        return b"".join(self._answer(user_data, t_s) for user_data in self._deframer.push(data))

    def drop_link(self) -> None:
        """Go silent, as a monitor whose association was lost: answer nothing until a new one."""
        self.associated = False
        self.silent = True

    def abort(self) -> bytes:
        """End the association with an abort; returns the bytes to send."""
        self.associated = False
        return frame(msgs.abort())

    # ---- internals ------------------------------------------------------------------

    def _answer(self, user_data: bytes, t_s: float) -> bytes:
        kind = msgs.session_kind(user_data)
        if kind == "request":
            if self.refuse_association:
                return frame(msgs.association_refuse())
            self.associated, self.silent = True, False
            self.associations += 1
            self._associated_at_s = t_s
            event = export.mds_create_event(self._next_invoke(), self._ticks(t_s), self._clock(t_s))
            return frame(msgs.association_accept()) + frame(event)
        if kind == "release":
            self.associated = False
            return frame(msgs.release_response())
        if kind is not None or not self.associated or self.silent:
            return b""
        try:
            message = export.decode_export(user_data)
        except msgs.Malformed:
            return b""
        if message.ro_type != msgs.ROIV_APDU or message.command != msgs.CMD_CONFIRMED_ACTION:
            return b""  # e.g. the host's answer to the MDS create event
        if message.action_type == msgs.NOM_ACT_POLL_MDIB_DATA_EXT:
            objects = self._numerics(t_s)
            extended = True
        elif message.action_type == msgs.NOM_ACT_POLL_MDIB_DATA:
            objects, extended = [], False  # keep-alive poll of the MDS
        else:
            return b""
        reply = export.poll_result(
            message.invoke_id,
            message.poll_number or 0,
            self._ticks(t_s),
            self._clock(t_s),
            objects,
            extended=extended,
            polled_code=message.polled_code or msgs.NOM_MOC_VMO_METRIC_NU,
        )
        return frame(reply)

    def _numerics(self, t_s: float) -> list[bytes]:
        objects = []
        for vital, (handle, physio_id, unit) in CONTINUOUS.items():
            if vital not in self._latest:
                continue
            if vital is Vital.SPO2 and self._sensor_off:
                state = msgs.STATE_INVALID | msgs.STATE_UNAVAILABLE
                objects.append(
                    export.numeric_object(handle, [(physio_id, state, unit, msgs.FLOAT_NAN)], None)
                )
                continue
            raw = msgs.encode_float(self._latest[vital])
            objects.append(export.numeric_object(handle, [(physio_id, 0, unit, raw)], None))
            self.sent.append(Sample(t_s, vital, msgs.decode_float(raw)))
        reading = self._nibp
        if reading is not None:
            parts = (
                (iv.NOM_PRESS_BLD_NONINV_SYS, Vital.SBP, reading.sbp_mmhg),
                (iv.NOM_PRESS_BLD_NONINV_DIA, Vital.DBP, reading.dbp_mmhg),
                (iv.NOM_PRESS_BLD_NONINV_MEAN, Vital.MAP, reading.map_mmhg),
            )
            raws = [(code, vital, msgs.encode_float(value)) for code, vital, value in parts]
            values = [(physio_id, 0, iv.NOM_DIM_MMHG, raw) for physio_id, _, raw in raws]
            objects.append(export.numeric_object(NIBP_HANDLE, values, self._clock(reading.t_s)))
            if self._nibp_logged is not reading:
                self._nibp_logged = reading
                self.sent += [Sample(reading.t_s, v, msgs.decode_float(raw)) for _, v, raw in raws]
        return objects

    def _next_invoke(self) -> int:
        self._invoke_id = (self._invoke_id + 1) & 0xFFFF
        return self._invoke_id

    @staticmethod
    def _ticks(t_s: float) -> int:
        return int(t_s * msgs.TICKS_PER_S) & 0xFFFFFFFF

    @staticmethod
    def _clock(t_s: float) -> bytes:
        return msgs.encode_abs_time(CLOCK_START + timedelta(seconds=t_s))
