"""Layering rules (DEVELOPERS.md): core is pure and clock-free; io has no Qt."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ketamon"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", _files("core"), ids=lambda p: p.name)
def test_core_imports_no_qt_plot_or_serial_library(path):
    forbidden = {"PySide6", "pyqtgraph", "serial", "ketamon.ui", "ketamon.io"}
    bad = {n for n in _imports(path) if n.split(".")[0] in forbidden or n in forbidden}
    bad |= {n for n in _imports(path) if n.startswith(("ketamon.ui", "ketamon.io"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _files("core"), ids=lambda p: p.name)
def test_core_never_reads_the_wall_clock(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {
            "time",
            "monotonic",
            "perf_counter",
            "now",
            "utcnow",
            "today",
        }:
            base = node.value
            if isinstance(base, ast.Name) and base.id in {"time", "datetime", "date"}:
                pytest.fail(f"{path.name}:{node.lineno} reads the wall clock")
    assert "import time" not in text


@pytest.mark.parametrize("path", _files("io"), ids=lambda p: p.name)
def test_io_imports_no_qt(path):
    bad = {n for n in _imports(path) if n.split(".")[0] in {"PySide6", "pyqtgraph"}}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_architecture_scan_sees_the_core():
    assert len(_files("core")) >= 8


def test_no_print_for_diagnostics_in_library_code():
    for path in PACKAGE.rglob("*.py"):
        if path.name in {"cli.py", "headless.py"}:
            continue  # a command's own output on stdout is fine
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                pytest.fail(f"{path.relative_to(PACKAGE)}:{node.lineno} uses print()")


def test_tests_record_into_a_private_folder(private_data_dir):
    from ketamon.paths import default_data_dir

    assert default_data_dir() == private_data_dir


# The command line: cli.py runs the commands, cli_args.py builds their argument parsers.
COMMAND_LINE_MODULES = {PACKAGE / "cli.py", PACKAGE / "cli_args.py"}


@pytest.mark.parametrize(
    "path",
    [p for p in PACKAGE.rglob("*.py") if p not in COMMAND_LINE_MODULES],
    ids=lambda p: p.name,
)
def test_no_argparse_namespace_below_the_cli(path):
    """Only the command-line modules know command-line arguments; everything else takes a
    typed RunConfig."""
    text = path.read_text(encoding="utf-8")
    assert "argparse" not in _imports(path), f"{path.name} imports argparse"
    assert "Namespace" not in text, f"{path.name} mentions an argparse Namespace"
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and first.id == "args":
                pytest.fail(f"{path.name}:{node.lineno} probes command-line args")


def test_sessions_are_made_by_the_one_factory():
    """Session(...) is constructed only by the factory (and the simulation recipes it uses)."""
    allowed = {"run_config.py", "simulation.py", "session.py"}
    for path in PACKAGE.rglob("*.py"):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Session":
                pytest.fail(f"{path.relative_to(PACKAGE)}:{node.lineno} builds a Session itself")


@pytest.mark.parametrize("path", _files("core") + _files("io") + _files("ui"), ids=lambda p: p.name)
def test_nothing_below_the_commands_imports_them(path):
    """cli, headless, review and nuisance sit on top: the window uses io/summary.py."""
    commands = {
        "ketamon.cli",
        "ketamon.cli_args",
        "ketamon.headless",
        "ketamon.review",
        "ketamon.nuisance",
        "ketamon.course",
    }
    bad = _imports(path) & commands
    assert not bad, f"{path.name} imports {sorted(bad)}"
