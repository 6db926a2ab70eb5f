"""A recorded session as a FHIR R4 transaction Bundle (a plain dict, JSON-ready).

- Observations on the R4 vital-signs profiles: HR (8867-4), SpO2 (2708-6 with
  59408-5), RR (9279-1): one per minute, the minute's median (as the HL7 feed);
  each NIBP reading as a BP panel (85354-9 with 8480-6 and 8462-4) plus its MAP
  (8478-0). Units UCUM.
- The infusion as MedicationAdministrations of ketamine (RxNorm 6130), one per
  period the pump ran at one rate: its period, rate (mg/h) and dose (mg). A pause
  ends a period; its reason is a note on that period.
- Side-effect annotations, CADSS-6 and MOAA/S scores and nurse notes as Observations.

The Patient carries no identifier unless the clinic's config allows it.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from dataclasses import dataclass

from ketamon.core.infusion import Infusion
from ketamon.core.session_types import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.net.codes import BP_PANEL, CODES

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PROFILE = "http://hl7.org/fhir/StructureDefinition/"
VITAL_PROFILES = {Vital.HR: "heartrate", Vital.SPO2: "oxygensat", Vital.RR: "resprate"}
MINUTE_S = 60.0
SCORES = {  # annotation data type -> what the score is (no LOINC code exists for these)
    "cadss6": "CADSS-6 total score (Clinician-Administered Dissociative States Scale)",
    "moaas": "MOAA/S score (Modified Observer's Assessment of Alertness/Sedation)",
}


@dataclass(frozen=True)
class FhirContext:
    """Unix time of session time 0, a seed for stable resource ids, the patient ID if allowed."""

    origin_wall_s: float
    seed: str
    patient_id: str | None = None


class BundleBuilder:
    """Collects resources; `bundle()` gives the transaction Bundle."""

    def __init__(self, context: FhirContext):
        self.context = context
        self._entries: list[dict] = []
        self.patient_ref = self._add(self._patient())

    def time(self, t_s: float) -> str:
        wall = self.context.origin_wall_s + t_s
        return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="seconds")

    def vitals(self, samples: list[Sample]) -> None:
        minutes: dict[tuple[Vital, int], list[Sample]] = {}
        cuff: dict[float, dict[Vital, float]] = {}
        for s in samples:
            if s.vital.is_nibp:
                cuff.setdefault(s.t_s, {})[s.vital] = s.value
            else:
                minutes.setdefault((s.vital, int(s.t_s // MINUTE_S)), []).append(s)
        for (vital, _), group in sorted(minutes.items(), key=lambda kv: (kv[0][1], kv[0][0].value)):
            value = statistics.median(s.value for s in group)
            self._add(self._vital(vital, group[-1].t_s, value))
        for t_s, values in sorted(cuff.items()):
            if Vital.SBP in values and Vital.DBP in values:
                self._add(self._bp(t_s, values[Vital.SBP], values[Vital.DBP]))
                if Vital.MAP in values:
                    self._add(self._vital(Vital.MAP, t_s, values[Vital.MAP]))

    def infusion(self, infusion: Infusion, events: list[SessionEvent]) -> None:
        """One MedicationAdministration per period at one rate (pauses end periods)."""
        kinds = ("infusion.", "setup.")
        cuts = sorted({e.t_s for e in events if e.kind.startswith(kinds)})
        end = infusion.infusion_end_s()
        if end is not None:
            cuts = sorted({*cuts, end})
        pauses = {e.t_s: e.message for e in events if e.kind == "infusion.paused"}
        for a, b in zip(cuts, cuts[1:], strict=False):
            rate = infusion.rate_mg_per_h((a + b) / 2)
            if rate <= 0:
                continue
            dose_mg = infusion.delivered_mg(b) - infusion.delivered_mg(a)
            self._add(self._administration(a, b, rate, dose_mg, pauses.get(b)))

    def annotation(self, event: SessionEvent) -> None:
        data = event.data
        kind = data.get("type")
        if kind in SCORES and isinstance(data.get("score"), int):
            resource = self._observation("survey", {"text": SCORES[kind]}, event.t_s)
            resource["valueInteger"] = data["score"]
        elif kind == "note":
            resource = self._observation("exam", {"text": "Nursing note"}, event.t_s)
            resource["valueString"] = event.message
        else:
            code = {
                "coding": [{"system": SNOMED, "code": "281647001", "display": "Adverse reaction"}],
                "text": "Side effect",
            }
            resource = self._observation("exam", code, event.t_s)
            resource["valueString"] = event.message
        self._add(resource)

    def bundle(self) -> dict:
        return {"resourceType": "Bundle", "type": "transaction", "entry": list(self._entries)}

    # ---- resources ------------------------------------------------------------------------

    def _patient(self) -> dict:
        patient: dict = {"resourceType": "Patient"}
        if self.context.patient_id:
            patient["identifier"] = [{"value": self.context.patient_id}]
        return patient

    def _observation(self, category: str, code: dict, t_s: float) -> dict:
        return {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
            "code": code,
            "subject": {"reference": self.patient_ref},
            "effectiveDateTime": self.time(t_s),
        }

    def _vital(self, vital: Vital, t_s: float, value: float) -> dict:
        c = CODES[vital]
        codings = [{"system": LOINC, "code": c.loinc, "display": c.loinc_name}]
        if vital is Vital.SPO2:  # the oxygensat profile asks for 2708-6 first
            codings.insert(0, {"system": LOINC, "code": "2708-6", "display": "Oxygen saturation"})
        resource = self._observation("vital-signs", {"coding": codings, "text": vital.label}, t_s)
        resource["meta"] = {"profile": [PROFILE + VITAL_PROFILES.get(vital, "vitalsigns")]}
        resource["valueQuantity"] = _quantity(value, c.ucum)
        return resource

    def _bp(self, t_s: float, sbp: float, dbp: float) -> dict:
        code = {"coding": [{"system": LOINC, "code": BP_PANEL[0], "display": BP_PANEL[1]}]}
        resource = self._observation("vital-signs", code, t_s)
        resource["meta"] = {"profile": [PROFILE + "bp"]}
        resource["component"] = [
            {
                "code": {"coding": [{"system": LOINC, "code": CODES[v].loinc}]},
                "valueQuantity": _quantity(value, "mm[Hg]"),
            }
            for v, value in ((Vital.SBP, sbp), (Vital.DBP, dbp))
        ]
        return resource

    def _administration(self, a: float, b: float, rate: float, dose: float, pause: str | None):
        resource = {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "medicationCodeableConcept": {
                "coding": [{"system": RXNORM, "code": "6130", "display": "ketamine"}],
                "text": "Ketamine IV infusion",
            },
            "subject": {"reference": self.patient_ref},
            "effectivePeriod": {"start": self.time(a), "end": self.time(b)},
            "dosage": {
                "route": {
                    "coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous"}]
                },
                "dose": _quantity(round(dose, 3), "mg"),
                "rateQuantity": _quantity(round(rate, 3), "mg/h"),
            },
        }
        if pause is not None:
            resource["note"] = [{"text": f"Paused: {pause}" if pause else "Paused"}]
        return resource

    def _add(self, resource: dict) -> str:
        n = len(self._entries)
        full_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.context.seed}/{n}')}"
        kind = resource["resourceType"]
        self._entries.append(
            {"fullUrl": full_url, "resource": resource, "request": {"method": "POST", "url": kind}}
        )
        return full_url


def _quantity(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}
