"""IntelliVue data export (remote operation) messages: MDS create event, polls and poll results.

Every data export message starts with the SPpdu (session id 0xE100, presentation
context id) and a ROapdus header (remote operation type, length); then comes
the ROIV (invoke), RORS (result), RORLS (linked result, one part of a long
answer) or ROER (error) header and the command's body. Structures and codes:
Data Export Interface Programming Guide; see docs/protocols/intellivue.md.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ketamon.io.parsers.intellivue_messages import (
    CMD_CONFIRMED_ACTION,
    CMD_CONFIRMED_EVENT_REPORT,
    CMD_EVENT_REPORT,
    NOM_ACT_POLL_MDIB_DATA,
    NOM_ACT_POLL_MDIB_DATA_EXT,
    NOM_ATTR_GRP_SYS_PROD,
    NOM_ATTR_NU_CMPD_VAL_OBS,
    NOM_ATTR_NU_VAL_OBS,
    NOM_ATTR_TIME_ABS,
    NOM_ATTR_TIME_STAMP_ABS,
    NOM_MOC_VMO_METRIC_NU,
    NOM_MOC_VMS_MDS,
    NOM_NOTI_MDS_CREAT,
    NOM_PART_OBJ,
    PRESENTATION_CONTEXT,
    ROER_APDU,
    ROIV_APDU,
    RORLS_APDU,
    RORS_APDU,
    SESSION_ID_DATA_EXPORT,
    Malformed,
    decode_float,
)

MDS_OBJECT = struct.pack(">HHH", NOM_MOC_VMS_MDS, 0, 0)  # ManagedObjectId of the MDS


@dataclass(frozen=True, slots=True)
class NuObs:
    """One NuObsValue: what (physio id), how trustworthy (state bits), unit code and value."""

    physio_id: int
    state: int
    unit: int
    value: float


@dataclass
class ObservedObject:
    """One polled metric object: its numeric values and, when sent, its absolute time stamp."""

    handle: int
    values: list[NuObs] = field(default_factory=list)
    abs_time: bytes | None = None


@dataclass
class ExportMessage:
    """A decoded data export message; fields not in this kind of message stay None/empty."""

    ro_type: int
    invoke_id: int
    command: int
    managed_object: bytes = b""
    event_type: int | None = None
    action_type: int | None = None
    poll_number: int | None = None
    polled_code: int | None = None  # polled object class (NOM_PART_OBJ partition)
    objects: list[ObservedObject] = field(default_factory=list)
    linked_state: int | None = None


# ---- building ---------------------------------------------------------------------------


def _message(ro_type: int, invoke_id: int, command: int, body: bytes, linked: bytes = b"") -> bytes:
    operation = linked + struct.pack(">HHH", invoke_id, command, len(body)) + body
    return (
        struct.pack(">HHHH", SESSION_ID_DATA_EXPORT, PRESENTATION_CONTEXT, ro_type, len(operation))
        + operation
    )


def _attribute_list(avas: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(struct.pack(">HH", ident, len(value)) + value for ident, value in avas)
    return struct.pack(">HH", len(avas), len(body)) + body


def mds_create_event(invoke_id: int, rel_time_ticks: int, abs_time: bytes) -> bytes:
    """The monitor's MDS create event report (confirmed): the MDS with its clock."""
    info = MDS_OBJECT + _attribute_list([(NOM_ATTR_TIME_ABS, abs_time)])
    body = MDS_OBJECT + struct.pack(">IHH", rel_time_ticks, NOM_NOTI_MDS_CREAT, len(info)) + info
    return _message(ROIV_APDU, invoke_id, CMD_CONFIRMED_EVENT_REPORT, body)


def event_report_result(
    invoke_id: int,
    managed_object: bytes = MDS_OBJECT,
    event_type: int = NOM_NOTI_MDS_CREAT,
    now_ticks: int = 0,
) -> bytes:
    """The host's answer to a confirmed event report, e.g. the MDS create event."""
    body = managed_object + struct.pack(">IHH", now_ticks, event_type, 0)
    return _message(RORS_APDU, invoke_id, CMD_CONFIRMED_EVENT_REPORT, body)


def _action(invoke_id: int, action_type: int, argument: bytes) -> bytes:
    body = MDS_OBJECT + struct.pack(">IHH", 0, action_type, len(argument)) + argument
    return _message(ROIV_APDU, invoke_id, CMD_CONFIRMED_ACTION, body)


def ext_poll_request(invoke_id: int, poll_number: int, attr_group: int = 0) -> bytes:
    """Extended poll of all numeric metric objects (attribute group 0: all attributes)."""
    argument = struct.pack(
        ">HHHH", poll_number, NOM_PART_OBJ, NOM_MOC_VMO_METRIC_NU, attr_group
    ) + _attribute_list([])
    return _action(invoke_id, NOM_ACT_POLL_MDIB_DATA_EXT, argument)


def keep_alive_request(invoke_id: int, poll_number: int) -> bytes:
    """A single poll of the MDS's production attributes: keeps the association alive."""
    argument = struct.pack(
        ">HHHH", poll_number, NOM_PART_OBJ, NOM_MOC_VMS_MDS, NOM_ATTR_GRP_SYS_PROD
    )
    return _action(invoke_id, NOM_ACT_POLL_MDIB_DATA, argument)


def numeric_object(
    handle: int, values: list[tuple[int, int, int, int]], abs_time: bytes | None
) -> bytes:
    """One ObservationPoll: `values` as (physio id, state, unit, FLOAT-Type) tuples.

    One value goes out as NU_VAL_OBS, several (NIBP sys/dia/mean) as NU_CMPD_VAL_OBS.
    """
    packed = [struct.pack(">HHHI", *v) for v in values]
    if len(packed) == 1:
        avas = [(NOM_ATTR_NU_VAL_OBS, packed[0])]
    else:
        compound = b"".join(packed)
        avas = [
            (NOM_ATTR_NU_CMPD_VAL_OBS, struct.pack(">HH", len(packed), len(compound)) + compound)
        ]
    if abs_time is not None:
        avas.append((NOM_ATTR_TIME_STAMP_ABS, abs_time))
    return struct.pack(">H", handle) + _attribute_list(avas)


def poll_result(
    invoke_id: int,
    poll_number: int,
    rel_time_ticks: int,
    abs_time: bytes,
    objects: list[bytes],
    extended: bool = True,
    polled_code: int = NOM_MOC_VMO_METRIC_NU,
) -> bytes:
    """The monitor's (extended) poll result: `objects` from `numeric_object`, in context 0."""
    polls = b"".join(objects)
    context = struct.pack(">HHH", 0, len(objects), len(polls)) + polls
    info = struct.pack(">HH", 1, len(context)) + context
    head = struct.pack(">H", poll_number)
    if extended:
        head += struct.pack(">H", 0)  # sequence number
    reply = (
        head
        + struct.pack(">I", rel_time_ticks)
        + abs_time
        + struct.pack(">HHH", NOM_PART_OBJ, polled_code, 0)
        + info
    )
    action = NOM_ACT_POLL_MDIB_DATA_EXT if extended else NOM_ACT_POLL_MDIB_DATA
    body = MDS_OBJECT + struct.pack(">HH", action, len(reply)) + reply
    return _message(RORS_APDU, invoke_id, CMD_CONFIRMED_ACTION, body)


# ---- decoding ---------------------------------------------------------------------------


class _Reader:
    """Bounds-checked big-endian reads over `data[pos:end]`."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        if self.pos + 2 > self.end:
            raise Malformed("message ends early")
        value = (self.data[self.pos] << 8) | self.data[self.pos + 1]
        self.pos += 2
        return value

    def u32(self) -> int:
        return (self.u16() << 16) | self.u16()

    def take(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise Malformed("message ends early")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def sub(self, n: int) -> _Reader:
        """A reader over the next `n` bytes, which this one skips."""
        if self.pos + n > self.end:
            raise Malformed("a length runs past its container")
        inner = _Reader(self.data, self.pos, self.pos + n)
        self.pos += n
        return inner

    def done(self) -> None:
        if self.pos != self.end:
            raise Malformed("bytes left over after a structure")


def decode_export(user_data: bytes) -> ExportMessage:
    """Decode a data export message far enough for the host and the emulator."""
    r = _Reader(user_data)
    if r.u16() != SESSION_ID_DATA_EXPORT:
        raise Malformed("not a data export message")
    r.u16()  # presentation context id
    ro_type = r.u16()
    outer, r = r, r.sub(r.u16())
    outer.done()
    linked_state = None
    if ro_type == RORLS_APDU:
        linked_state = r.u8()
        r.u8()  # count of parts so far
    if ro_type == ROER_APDU:
        return ExportMessage(ro_type, r.u16(), r.u16())
    if ro_type not in (ROIV_APDU, RORS_APDU, RORLS_APDU):
        raise Malformed(f"unknown remote operation type {ro_type}")
    invoke_id, command = r.u16(), r.u16()
    body = r.sub(r.u16())
    r.done()
    msg = ExportMessage(ro_type, invoke_id, command, linked_state=linked_state)
    if command in (CMD_EVENT_REPORT, CMD_CONFIRMED_EVENT_REPORT):
        msg.managed_object = body.take(6)
        body.u32()  # event time (invoke) or current time (result)
        msg.event_type = body.u16()
        body.sub(body.u16())
    elif command == CMD_CONFIRMED_ACTION:
        msg.managed_object = body.take(6)
        if ro_type == ROIV_APDU:
            body.u32()  # scope
        msg.action_type = body.u16()
        argument = body.sub(body.u16())
        if msg.action_type in (NOM_ACT_POLL_MDIB_DATA, NOM_ACT_POLL_MDIB_DATA_EXT):
            _decode_poll(argument, msg, ro_type == ROIV_APDU)
    body.done()
    return msg


def _decode_poll(r: _Reader, msg: ExportMessage, request: bool) -> None:
    msg.poll_number = r.u16()
    if request:
        r.u16()  # polled object partition
        msg.polled_code = r.u16()
        r.u16()  # attribute group
        if msg.action_type == NOM_ACT_POLL_MDIB_DATA_EXT:
            r.u16()  # attribute list count (its entries are not needed)
            r.sub(r.u16())
        r.done()
        return
    if msg.action_type == NOM_ACT_POLL_MDIB_DATA_EXT:
        r.u16()  # sequence number
    r.u32()  # relative time stamp
    r.take(8)  # absolute time stamp of the poll
    r.u16()
    msg.polled_code = r.u16()
    r.u16()  # attribute group
    count = r.u16()
    contexts = r.sub(r.u16())
    for _ in range(count):
        contexts.u16()  # context id
        n_objects = contexts.u16()
        polls = contexts.sub(contexts.u16())
        for _ in range(n_objects):
            msg.objects.append(_decode_object(polls))
        polls.done()
    contexts.done()
    r.done()


def _decode_object(r: _Reader) -> ObservedObject:
    obj = ObservedObject(r.u16())
    count = r.u16()
    avas = r.sub(r.u16())
    for _ in range(count):
        ident = avas.u16()
        value = avas.sub(avas.u16())
        if ident == NOM_ATTR_NU_VAL_OBS:
            obj.values.append(_nu_obs(value))
            value.done()
        elif ident == NOM_ATTR_NU_CMPD_VAL_OBS:
            n = value.u16()
            values = value.sub(value.u16())
            obj.values.extend(_nu_obs(values) for _ in range(n))
            values.done()
            value.done()
        elif ident == NOM_ATTR_TIME_STAMP_ABS:
            obj.abs_time = value.take(8)
            value.done()
    avas.done()
    return obj


def _nu_obs(r: _Reader) -> NuObs:
    return NuObs(r.u16(), r.u16(), r.u16(), decode_float(r.u32()))
