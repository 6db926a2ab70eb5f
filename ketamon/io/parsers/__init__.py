"""Registry of device protocols: name -> parser class."""

from __future__ import annotations

from ketamon.io.parsers.base import Frame, LineParser, ParserStats, ProtocolParser
from ketamon.io.parsers.ge_s5 import GeS5Parser
from ketamon.io.parsers.intellivue import IntelliVueParser
from ketamon.io.parsers.ketamon_text import KetamonTextParser
from ketamon.io.parsers.masimo import MasimoAsciiParser

PARSERS: dict[str, type[ProtocolParser]] = {
    MasimoAsciiParser.name: MasimoAsciiParser,
    KetamonTextParser.name: KetamonTextParser,
    GeS5Parser.name: GeS5Parser,
    IntelliVueParser.name: IntelliVueParser,
}


def make_parser(name: str) -> ProtocolParser:
    try:
        return PARSERS[name]()
    except KeyError:
        known = ", ".join(PARSERS)
        raise ValueError(f"unknown protocol {name!r} (known: {known})") from None


__all__ = [
    "PARSERS",
    "Frame",
    "LineParser",
    "ParserStats",
    "ProtocolParser",
    "make_parser",
]
