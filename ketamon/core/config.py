"""Loading clinic-editable TOML files with errors that name file, line, field and reason.

Every resource a clinic may change (protocols, drug library, alarm profiles,
scenarios) is read through `load_toml` and checked with `Fields`, so a broken
file is refused with one clear sentence instead of a traceback or a silent default.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A resource file was refused: `file`, `field`, `reason` and, when known, `line`."""

    def __init__(self, file: str, field: str, reason: str, line: int | None = None):
        self.file = file
        self.field = field
        self.reason = reason
        self.line = line
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {field}: {reason}" if field else f"{where}: {reason}")


# No clinical quantity in ketamon comes near this; anything larger is a typo or an attack.
MAX_MAGNITUDE = 1e6


def check_number(
    value: object,
    source: str,
    field: str,
    lo: float | None = None,
    hi: float | None = None,
    line: int | None = None,
    integer: bool = False,
) -> float:
    """The one rule for every number entering ketamon (TOML, CLI, CSV, recordings).

    Returns `value` as a float when it is a real, finite number within [lo, hi]
    (and within +-MAX_MAGNITUDE when a side is open); otherwise raises ConfigError
    naming `source` (file or '--option'), `line`, `field` and the reason.
    Text is parsed (so CLI arguments and CSV cells go through here too).
    """
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(source, field, f"must be a number (got {value!r})", line) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(source, field, f"must be a number (got {value!r})", line)
    try:
        number = float(value)
    except OverflowError:  # a Python int beyond float range
        raise ConfigError(source, field, "is far too large", line) from None
    if not math.isfinite(number):
        raise ConfigError(source, field, f"must be a finite number (got {number})", line)
    low = -MAX_MAGNITUDE if lo is None else lo
    high = MAX_MAGNITUDE if hi is None else hi
    if number < low:
        raise ConfigError(source, field, f"must be at least {low:g} (got {number:g})", line)
    if number > high:
        raise ConfigError(source, field, f"must be at most {high:g} (got {number:g})", line)
    if integer and number != int(number):
        raise ConfigError(source, field, f"must be a whole number (got {number:g})", line)
    return number


def load_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse `path`; return (data, source text). Syntax errors become ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), "", "not a UTF-8 text file") from exc
    try:
        return tomllib.loads(text), text
    except RecursionError as exc:  # thousands of nested [ or {: tomllib recurses per level
        raise ConfigError(str(path), "", "not valid TOML (nested too deeply)") from exc
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the message has it.
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line .*\)$", "", str(exc))
        raise ConfigError(str(path), "", f"not valid TOML ({reason})", line) from exc


def find_line(text: str, dotted_field: str) -> int | None:
    """Best-effort line of `dotted_field` (e.g. 'events[1].change') for error messages.

    Looks for the key inside its own table ([patient], the n-th [[events]]); if the
    key is not there (a missing field), points at the table's header instead.
    """
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", dotted_field)
    if not parts:
        return None
    lines = text.splitlines()
    start, end = 0, len(lines)
    header_line = None
    if len(parts) > 1 and not parts[0].startswith("["):
        name = re.escape(parts[0])
        index = int(parts[1][1:-1]) if parts[1].startswith("[") else 0
        header = re.compile(rf"^\s*\[\[?\s*{name}\s*\]\]?\s*(#.*)?$")
        found = [n for n, line in enumerate(lines) if header.match(line)]
        if len(found) > index:
            start = found[index] + 1
            header_line = found[index] + 1
            next_header = re.compile(r"^\s*\[")
            end = next((n for n in range(start, len(lines)) if next_header.match(lines[n])), end)
    key = parts[-1]
    if key.startswith("["):
        return header_line
    pattern = re.compile(rf"(^|[{{,]|\s){re.escape(key)}\s*=")  # inline tables too
    for n in range(start, end):
        if pattern.match(lines[n]):
            return n + 1
    return header_line


class Fields:
    """Typed access to one TOML table; every problem raises ConfigError with its field path.

    Unknown keys are refused (`finish()`), so a misspelt limit is never silently ignored.
    """

    def __init__(self, data: dict[str, Any], file: str, text: str, prefix: str = ""):
        if not isinstance(data, dict):
            raise ConfigError(file, prefix or "(top)", "expected a table", find_line(text, prefix))
        self._data = data
        self._file = file
        self._text = text
        self._prefix = prefix
        self._used: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self._prefix}.{key}" if self._prefix else key

    def error(self, key: str, reason: str) -> ConfigError:
        field = self.path(key)
        return ConfigError(self._file, field, reason, find_line(self._text, field))

    def has(self, key: str) -> bool:
        return key in self._data

    def raw(self, key: str, default: Any = ...) -> Any:
        self._used.add(key)
        if key not in self._data:
            if default is ...:
                raise self.error(key, "is required")
            return default
        return self._data[key]

    def text(self, key: str, default: Any = ..., choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if value is default and default is not ...:
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty text")
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    def number(
        self,
        key: str,
        default: Any = ...,
        low: float | None = None,
        high: float | None = None,
        positive: bool = False,
        integer: bool = False,
    ) -> float:
        value = self.raw(key, default)
        if value is default and default is not ...:
            return value
        if isinstance(value, str):  # TOML text is not a number, even "5"
            raise self.error(key, f"must be a number (got {value!r})")
        if positive and isinstance(value, int | float) and not isinstance(value, bool):
            if value <= 0:  # nan fails check_number below with its own reason
                raise self.error(key, f"must be greater than 0 (got {value:g})")
        try:
            return check_number(value, self._file, self.path(key), low, high, None, integer)
        except ConfigError as exc:
            # The line is looked up only for a message: a search of the file for every
            # valid number made loading the resources three times as slow.
            raise self.error(key, exc.reason) from None

    def boolean(self, key: str, default: Any = ...) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false (got {value!r})")
        return value

    def table(self, key: str, default: Any = ...) -> Fields:
        value = self.raw(key, default)
        if value is default and default is not ...:
            value = {}
        return Fields(value, self._file, self._text, self.path(key))

    def child(self, value: Any, suffix: str) -> Fields:
        """Fields for a nested value (e.g. a list item) reported as `<this path><suffix>`."""
        return Fields(value, self._file, self._text, f"{self._prefix}{suffix}")

    def tables(self, key: str) -> list[Fields]:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, "must be a non-empty list of tables ([[...]])")
        return [
            Fields(item, self._file, self._text, f"{self.path(key)}[{i}]")
            for i, item in enumerate(value)
        ]

    def keys(self) -> list[str]:
        return list(self._data)

    def finish(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise self.error(unknown[0], "unknown field (misspelt?)")
