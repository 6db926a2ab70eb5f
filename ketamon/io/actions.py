"""A scripted nurse for headless runs: `--actions FILE`, commands at session times.

FILE is TOML, one `[[action]]` table per command::

    [[action]]
    t_s = 2700            # session seconds
    command = "pause"
    reason = "patient asked"

Commands and their fields: acknowledge, pause_audio, resume (none); pause and stop
(`reason`); enter_baseline (`sbp`, `dbp`, optional `hr`); enter_bp (a manual cuff
reading: `sbp`, `dbp`, optional `map`, `hr`, `measured_at_s` (session s, default the
action's time, at most 15 min before it)); annotate (`kind`, `text`,
optional `score`); retract_note (`note_t_s`, the session time of the note to undo);
confirm_pump (none: the pump now runs as the pending change says);
moaas (`score`, 0-5); score (`scale`: phq9, qids_sr16 or madrs, `value`: its points);
discharge (`checklist`, a list of strings; optional `early_reason` for a discharge
against the criteria). Each is applied
through the same Session method as the GUI's button, so it is recorded as the
same command record. A broken file is refused whole, naming file, line, field
and reason.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ketamon.core.baseline import Baseline
from ketamon.core.manual_bp import ManualBp
from ketamon.core.scores import SCALES, ScoreError, check_score
from ketamon.core.session import Session
from ketamon.core.vitals import Vital, is_plausible

NUMBER = (int, float)
# command -> {field: (type check, required, what it must be)}
FIELDS: dict[str, dict[str, tuple[type | tuple, bool, str]]] = {
    "acknowledge": {},
    "pause_audio": {},
    "resume": {},
    "pause": {"reason": (str, True, "a text")},
    "stop": {"reason": (str, True, "a text")},
    "enter_baseline": {
        "sbp": (NUMBER, True, "a number (mmHg)"),
        "dbp": (NUMBER, True, "a number (mmHg)"),
        "hr": (NUMBER, False, "a number (bpm)"),
    },
    "enter_bp": {
        "sbp": (NUMBER, True, "a number (mmHg)"),
        "dbp": (NUMBER, True, "a number (mmHg)"),
        "map": (NUMBER, False, "a number (mmHg)"),
        "hr": (NUMBER, False, "a number (bpm)"),
        "measured_at_s": (NUMBER, False, "a number of session seconds"),
    },
    "annotate": {
        "kind": (str, True, "a text"),
        "text": (str, True, "a text"),
        "score": (NUMBER, False, "a number"),
    },
    "retract_note": {"note_t_s": (NUMBER, True, "a number (session seconds of the note)")},
    "discharge": {
        "checklist": (list, True, "a list of texts"),
        "early_reason": (str, False, "a text"),
    },
    "confirm_pump": {},
    "moaas": {"score": (int, True, "a whole number 0-5 (MOAA/S)")},
    "score": {
        "scale": (str, True, f"one of {', '.join(SCALES)}"),
        "value": (NUMBER, True, "a whole number of points"),
    },
}
PLAUSIBLE = {"sbp": Vital.SBP, "dbp": Vital.DBP, "map": Vital.MAP, "hr": Vital.HR}


class ActionsError(ValueError):
    """The actions file cannot be used; the message names file, line, field and reason."""


@dataclass(frozen=True)
class Action:
    """One scripted command at session time `t_s`, with its arguments."""

    t_s: float
    command: str
    args: dict = field(default_factory=dict)


def load_actions(path: Path) -> list[Action]:
    """The actions of `path` in time order (stable for equal times)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ActionsError(f"{path}: cannot read ({exc})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ActionsError(f"{path}: not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - {"action"})
    if unknown:
        raise ActionsError(f"{path}: unknown table or key '{unknown[0]}' (only [[action]])")
    tables = data.get("action", [])
    if not isinstance(tables, list):
        raise ActionsError(f"{path}: 'action' must be [[action]] tables")
    starts = _table_lines(text)
    actions = [_action(path, text, starts, i, table) for i, table in enumerate(tables)]
    return sorted(actions, key=lambda a: a.t_s)


def apply_action(session: Session, action: Action) -> None:
    """Give `action` to `session` at its time; raises CommandError if the session refuses."""
    t, a, name = action.t_s, action.args, action.command
    if name == "acknowledge":
        session.acknowledge_alarms(t)
    elif name == "pause_audio":
        session.pause_audio(t)
    elif name == "pause":
        session.pause(t, a["reason"])
    elif name == "resume":
        session.resume(t)
    elif name == "stop":
        session.stop(t, a["reason"])
    elif name == "enter_baseline":
        session.enter_baseline(t, Baseline(a["sbp"], a["dbp"], a.get("hr"), None, "entered"))
    elif name == "enter_bp":
        session.enter_bp(t, ManualBp.from_args(a, t))
    elif name == "annotate":
        data: dict = {"type": a["kind"]}
        if "score" in a:
            data["score"] = a["score"]
        session.annotate(t, a["text"], data)
    elif name == "retract_note":
        session.retract_note(t, float(a["note_t_s"]))
    elif name == "score":
        session.record_score(t, a["scale"], a["value"])
    elif name == "discharge":
        session.discharge(t, "; ".join(a["checklist"]), a.get("early_reason", ""))
    elif name == "confirm_pump":
        session.confirm_pump(t)
    elif name == "moaas":
        session.record_sedation(t, a["score"])
    else:  # load_actions lets no other command through
        raise ValueError(f"unknown command {name!r}")


# ---- checking ----------------------------------------------------------------------------


def _action(path: Path, text: str, starts: list[int], i: int, table: dict) -> Action:
    start = starts[i] if i < len(starts) else 1
    end = starts[i + 1] if i + 1 < len(starts) else None

    def fail(key: str, reason: str) -> ActionsError:
        line = _key_line(text, key, start, end)
        return ActionsError(f"{path}:{line}: [[action]] #{i + 1}, field '{key}': {reason}")

    if not isinstance(table, dict):
        raise fail("action", "must be a table")
    command = table.get("command")
    if command is None:
        raise fail("command", "missing")
    if command not in FIELDS:
        raise fail("command", f"unknown command {command!r} (one of {', '.join(FIELDS)})")
    t_s = table.get("t_s")
    if t_s is None:
        raise fail("t_s", "missing (session seconds)")
    if isinstance(t_s, bool) or not isinstance(t_s, NUMBER):
        raise fail("t_s", f"must be a number of session seconds (got {t_s!r})")
    if not math.isfinite(t_s) or t_s < 0:
        raise fail("t_s", f"must be finite and at least 0 (got {t_s!r})")
    spec = FIELDS[command]
    args = {}
    for key, value in table.items():
        if key in ("t_s", "command"):
            continue
        if key not in spec:
            allowed = ", ".join(spec) or "no fields"
            raise fail(key, f"'{command}' takes {allowed}")
        kind, _required, what = spec[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise fail(key, f"must be {what} (got {value!r})")
        if kind is NUMBER and not math.isfinite(value):
            raise fail(key, f"must be finite (got {value!r})")
        if key == "measured_at_s" and not (0 <= value <= t_s):
            raise fail(key, f"must be a session time at or before the action's t_s (got {value!r})")
        if key in PLAUSIBLE and not is_plausible(PLAUSIBLE[key], float(value)):
            raise fail(key, f"{value!r} is not a possible {key.upper()} value")
        if kind is int and not 0 <= value <= 5:
            raise fail(key, f"must be {what} (got {value!r})")
        if kind is str and not value.strip():
            raise fail(key, "must not be empty")
        if kind is list and not all(isinstance(item, str) for item in value):
            raise fail(key, f"must be {what}")
        args[key] = float(value) if kind is NUMBER else value
    for key, (_kind, required, what) in spec.items():
        if required and key not in args:
            raise fail(key, f"missing ('{command}' needs {what})")
    if command == "score":
        try:
            check_score(args["scale"], args["value"])
        except ScoreError as exc:
            raise fail("scale" if args["scale"] not in SCALES else "value", str(exc)) from None
    return Action(float(t_s), command, args)


def _table_lines(text: str) -> list[int]:
    """1-based line numbers of each `[[action]]` header."""
    header = re.compile(r"^\s*\[\[\s*action\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]


def _key_line(text: str, key: str, start: int, end: int | None) -> int:
    """The line of `key = ...` inside one table (its header line if the key is absent)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    lines = text.splitlines()
    for n in range(start, (end or len(lines) + 1)):
        if n - 1 < len(lines) and pattern.match(lines[n - 1]):
            return n
    return start
