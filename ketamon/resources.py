"""Where the clinic-editable files live: `resources/` beside the package, or $KETAMON_RESOURCES."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("KETAMON_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def protocols_dir() -> Path:
    return resources_dir() / "protocols"


def drug_library_path() -> Path:
    return resources_dir() / "drug_library.toml"


def artefact_rules_path() -> Path:
    return resources_dir() / "artefact_rules.toml"


def course_settings_path() -> Path:
    return resources_dir() / "course.toml"


def styles_dir() -> Path:
    return resources_dir() / "styles"


def alarm_profiles_dir() -> Path:
    return resources_dir() / "alarm_profiles"


def sounds_dir() -> Path:
    return resources_dir() / "sounds"


def scenarios_dir() -> Path:
    return resources_dir() / "scenarios"
