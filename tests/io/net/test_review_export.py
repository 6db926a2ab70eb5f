"""review --hl7 / --fhir / --fhir-url: a recorded session out as HL7 batch and FHIR R4."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import hl7
import pytest
from fhir.resources.R4B.bundle import Bundle

from ketamon.cli import main
from ketamon.core.infusion import Phase
from ketamon.core.simulation import autostart_demo, simulated_session
from ketamon.io.session_recorder import SessionRecorder

MIN = 60.0


@pytest.fixture(scope="module")
def eventful_recording(tmp_path_factory, resources):
    """A simulated session with a pause, a side effect, a CADSS score and a note."""
    directory = tmp_path_factory.mktemp("eventful")
    session = simulated_session(resources.library, 3, alarm_profile=resources.alarm_profile)
    recorder = SessionRecorder(session, directory, {"source": {"kind": "simulator"}})
    recorder.note_clock(1_800_000_000.0, 0.0, 1.0)
    autostart_demo(session, resources.protocols[0], 70.0)
    start = session.t_s
    session.advance_to(start + 10 * MIN)
    session.pause(session.t_s, "patient asked")
    session.advance_to(session.t_s + 3 * MIN)
    session.resume(session.t_s)
    session.annotate(session.t_s + 1, "Nausea/vomiting", {"type": "side_effect"})
    session.annotate(session.t_s + 2, "CADSS-6 9/24", {"type": "cadss6", "score": 9})
    session.annotate(session.t_s + 3, "Feels floaty | calm", {"type": "note"})
    while session.phase() is not Phase.DISCHARGE_READY:
        session.advance_to(session.t_s + MIN)
    recorder.close("closed")
    (path,) = directory.glob("*.ketamon")
    return path


def test_the_fhir_bundle_of_a_recorded_session_validates_as_r4(eventful_recording, tmp_path):
    out = tmp_path / "bundle.json"
    assert main(["review", str(eventful_recording), "--fhir", str(out)]) == 0
    data = json.loads(out.read_text())
    bundle = Bundle.model_validate(data)  # raises on anything R4 does not allow
    assert bundle.type == "transaction"
    resources = [e["resource"] for e in data["entry"]]
    by_type: dict[str, list[dict]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    assert len(by_type["Patient"]) == 1 and "identifier" not in by_type["Patient"][0]
    codes = {c["code"] for o in by_type["Observation"] for c in o["code"].get("coding", [])}
    assert {"8867-4", "59408-5", "2708-6", "9279-1", "85354-9", "8478-0"} <= codes
    bp = next(o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "85354-9")
    assert [c["code"]["coding"][0]["code"] for c in bp["component"]] == ["8480-6", "8462-4"]
    assert bp["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    given = by_type["MedicationAdministration"]
    assert len(given) >= 2  # the pause cut the loading dose in two periods
    assert any("patient asked" in n["text"] for m in given for n in m.get("note", []))
    total_mg = sum(m["dosage"]["dose"]["value"] for m in given)
    assert total_mg == pytest.approx(35.0, abs=0.05)  # 0.5 mg/kg x 70 kg
    scores = [o.get("valueInteger") for o in by_type["Observation"] if "valueInteger" in o]
    assert scores == [9]
    texts = {o.get("valueString") for o in by_type["Observation"]}
    assert {"Nausea/vomiting", "Feels floaty | calm"} <= texts


def test_the_hl7_batch_parses_message_by_message(eventful_recording, tmp_path):
    out = tmp_path / "session.hl7"
    assert main(["review", str(eventful_recording), "--hl7", str(out), "--bed", "chair4"]) == 0
    lines = out.read_bytes().decode("utf-8").split("\r")  # HL7 segments end in CR
    assert lines[0].startswith("FHS|") and lines[1].startswith("BHS|")
    messages = []
    for line in lines[2:]:
        if line.startswith("MSH|"):
            messages.append([line])
        elif line and not line.startswith(("BTS", "FTS")):
            messages[-1].append(line)
    assert f"BTS|{len(messages)}" in lines
    parsed = [hl7.parse("\r".join(m)) for m in messages]
    assert all(str(p.segment("MSH")[9]) == "ORU^R01^ORU_R01" for p in parsed)
    assert all(str(p.segment("PV1")[3][0][2]) == "chair4" for p in parsed)
    panels = [str(p.segment("OBR")[4][0][0]) for p in parsed]
    assert panels.count("85354-9") >= 5 and panels.count("85353-1") >= 60


class _FhirServer(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        body = json.dumps({"resourceType": "Bundle", "type": "transaction-response"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_fhir_url_posts_the_bundle_as_a_transaction(eventful_recording, caplog):
    caplog.set_level(logging.INFO)
    server = HTTPServer(("127.0.0.1", 0), _FhirServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/fhir"
        assert main(["review", str(eventful_recording), "--fhir-url", url]) == 0
    finally:
        server.shutdown()
        server.server_close()
    (posted,) = _FhirServer.bodies
    assert posted["type"] == "transaction"
    assert all(e["request"]["method"] == "POST" for e in posted["entry"])
    assert "HTTP 200" in caplog.text


def test_an_unreachable_fhir_server_is_a_clear_message(eventful_recording, caplog):
    from tests.io.net.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/fhir"
    assert main(["review", str(eventful_recording), "--fhir-url", url]) == 2
    assert "cannot reach the FHIR server" in caplog.text
