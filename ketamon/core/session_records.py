"""What a session records about its prescription: the data of its setup records.

`prescription_data` is everything needed to rebuild the dose plan from the protocol
files (recordings, resume); `setup_confirmed_data` is what setup shows and records.
"""

from __future__ import annotations

from ketamon.core.dosing import DosePlan


def prescription_data(plan: DosePlan) -> dict:
    """Everything needed to rebuild `plan` from the protocol files (recordings, resume)."""
    patient = plan.patient
    return {
        "protocol_id": plan.protocol.id,
        "segments": [
            {"dose": s.dose, "duration_min": s.duration_min} for s in plan.protocol.segments
        ],
        "weight_kg": patient.weight_kg,
        "height_cm": patient.height_cm,
        "sex": patient.sex.value if patient.sex else None,
        "basis": patient.basis.value,
        "patient_id": patient.patient_id,
        "concentration_mg_per_ml": plan.concentration_mg_per_ml,
        "bag_volume_ml": plan.bag_volume_ml,
    }


def setup_confirmed_data(plan: DosePlan) -> dict:
    """The 'setup.confirmed' record: the prescription and each segment's dose (mg), rate
    (mg/h, mL/h), volume (mL) and duration (s), as shown at setup."""
    segments = [
        {
            "name": s.name,
            "dose_mg": round(s.dose_mg, 3),
            "rate_mg_per_h": round(s.rate_mg_per_h, 3),
            "rate_ml_per_h": round(s.rate_ml_per_h, 3),
            "vtbi_ml": round(s.vtbi_ml, 3),
            "duration_s": s.duration_s,
        }
        for s in plan.segments
    ]
    return {
        "prescription": prescription_data(plan),
        "patient_id": plan.patient.patient_id,
        "weight_kg": plan.patient.weight_kg,
        "dosing_weight_kg": round(plan.dosing_weight_kg, 2),
        "basis": plan.patient.basis.value,
        "concentration_mg_per_ml": plan.concentration_mg_per_ml,
        "protocol_id": plan.protocol.id,
        "segments": segments,
        "total_mg": round(plan.total_mg, 3),
    }
