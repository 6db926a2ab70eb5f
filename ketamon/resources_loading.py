"""Loading every clinic-editable resource at start-up, for the GUI and headless alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ketamon.core.alarm_profile import AlarmProfile, load_alarm_profile
from ketamon.core.artefact import ArtefactRules, load_artefact_rules
from ketamon.core.limits import DrugLibrary, load_drug_library
from ketamon.core.protocol import Protocol, load_protocols
from ketamon.core.scores import CourseSettings, load_course_settings
from ketamon.resources import (
    alarm_profiles_dir,
    artefact_rules_path,
    course_settings_path,
    drug_library_path,
    protocols_dir,
)


@dataclass(frozen=True)
class ClinicalResources:
    """Protocols (default first), drug library and the alarm profile in force."""

    protocols: list[Protocol]
    library: DrugLibrary
    alarm_profile: AlarmProfile
    artefact_rules: ArtefactRules = ArtefactRules()  # resources/artefact_rules.toml
    course: CourseSettings = CourseSettings()  # resources/course.toml


def load_clinical_resources(alarm_profile_path: Path | None = None) -> ClinicalResources:
    """Raise ConfigError (file, line, field, reason) if any file is broken: never run unarmed."""
    path = alarm_profile_path or alarm_profiles_dir() / "default.toml"
    return ClinicalResources(
        protocols=load_protocols(protocols_dir()),
        library=load_drug_library(drug_library_path()),
        alarm_profile=load_alarm_profile(path),
        artefact_rules=load_artefact_rules(artefact_rules_path()),
        course=load_course_settings(course_settings_path()),
    )
