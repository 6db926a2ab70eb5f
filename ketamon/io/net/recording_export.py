"""`ketamon review FILE --hl7 OUT.hl7 / --fhir OUT.json / --fhir-url URL`: a whole session out.

The recording is rebuilt by the same core and alarm profile as live (samples and
commands), so the HL7 batch holds the same messages the live MLLP feed sends, and
the FHIR Bundle the same minute values.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ketamon.core.events import alarm_event
from ketamon.core.session import Session
from ketamon.core.session_types import SessionEvent
from ketamon.io.net.fhir_export import BundleBuilder, FhirContext
from ketamon.io.net.hl7_feed import Hl7Context, Hl7Feed
from ketamon.io.net.hl7_messages import Hl7Header, batch
from ketamon.io.net.net_config import load_net_config
from ketamon.io.rebuild import replay
from ketamon.io.recording import Recording, origin_wall_s
from ketamon.io.run_config import rebuilt_session
from ketamon.resources_loading import ClinicalResources

POST_TIMEOUT_S = 30.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetExport:
    """What `review` should write or send: HL7 batch file, FHIR file, FHIR server URL."""

    hl7_path: Path | None = None
    fhir_path: Path | None = None
    fhir_url: str | None = None
    site: str = "clinic"
    bed: str = "review"
    config_path: Path | None = None  # the clinic's net TOML ([privacy] send_patient_id)

    @property
    def any(self) -> bool:
        return bool(self.hl7_path or self.fhir_path or self.fhir_url)


class ExportError(Exception):
    """An export could not be written or sent; the message says why."""


def rebuilt(recording: Recording, resources: ClinicalResources) -> Session:
    """A session to drive through the recording (the one factory's rebuild kind)."""
    return rebuilt_session(
        resources, simulated=bool(recording.meta.get("simulated")), meta=recording.meta
    )


def hl7_batch(
    path: Path, resources: ClinicalResources, site: str, bed: str, patient_id: bool
) -> str:
    """The session as an HL7 batch file (FHS/BHS ... BTS/FTS) of ORU^R01 messages."""
    recording = Recording(path)
    try:
        session = rebuilt(recording, resources)
        origin = origin_wall_s(recording.meta) or 0.0

        def pid() -> str | None:
            plan = session.plan
            return plan.patient.patient_id or None if patient_id and plan else None

        feed = Hl7Feed(Hl7Context(site, bed, pid, origin, f"R{int(origin)}"))
        messages: list[str] = []
        session.on_samples.connect(lambda samples: messages.extend(feed.on_samples(samples)))

        def on_event(event: SessionEvent) -> None:
            alarm = alarm_event(event)
            if alarm is not None:
                messages.extend(feed.on_alarm(alarm))

        session.on_event.connect(on_event)
        replay(session, recording.stream(), resources.protocols, until_s=recording.duration_s())
        messages += feed.flush()
        return batch(Hl7Header(site, bed, pid(), origin), messages, time.time())
    finally:
        recording.close()


def fhir_bundle(path: Path, resources: ClinicalResources, patient_id: bool) -> dict:
    """The session as a FHIR R4 transaction Bundle."""
    recording = Recording(path)
    try:
        session = rebuilt(recording, resources)
        events: list[SessionEvent] = []
        session.on_event.connect(events.append)
        replay(session, recording.stream(), resources.protocols, until_s=recording.duration_s())
        plan = session.plan
        pid = plan.patient.patient_id or None if patient_id and plan else None
        origin = origin_wall_s(recording.meta) or 0.0
        builder = BundleBuilder(FhirContext(origin, f"{path.name}/{origin}", pid))
        builder.vitals(recording.samples())
        if session.infusion is not None:
            builder.infusion(session.infusion, events)
        for event in events:
            if event.kind == "annotation":
                builder.annotation(event)
        return builder.bundle()
    finally:
        recording.close()


def post_bundle(url: str, bundle: dict) -> int:
    """POST the transaction to a FHIR server base URL; returns the HTTP status."""
    if not url.startswith(("http://", "https://")):
        raise ExportError(f"{url!r}: a FHIR server URL starts with http:// or https://")
    request = urllib.request.Request(
        url,
        data=json.dumps(bundle).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=POST_TIMEOUT_S) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise ExportError(f"the FHIR server at {url} refused the bundle (HTTP {exc.code})") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ExportError(f"cannot reach the FHIR server at {url} ({exc})") from exc


def export_session(path: Path, resources: ClinicalResources, export: NetExport) -> None:
    """review --hl7/--fhir/--fhir-url: write and send what was asked, saying what was done."""
    if not export.any:
        return
    allowed = load_net_config(export.config_path).send_patient_id
    if export.hl7_path:
        text = hl7_batch(path, resources, export.site, export.bed, allowed)
        export.hl7_path.write_text(text, encoding="utf-8", newline="")
        log.info("wrote %s", export.hl7_path)
    if export.fhir_path or export.fhir_url:
        bundle = fhir_bundle(path, resources, allowed)
        if export.fhir_path:
            export.fhir_path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
            log.info("wrote %s", export.fhir_path)
        if export.fhir_url:
            log.info("FHIR server answered HTTP %d", post_bundle(export.fhir_url, bundle))
