"""Leaving the laptop: MQTT to a central station, HL7 v2 over MLLP, FHIR export (no Qt)."""
