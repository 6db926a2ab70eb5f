"""Registry of device protocols: name -> parser class."""

from __future__ import annotations

from ketamon.io.parsers.base import Frame, LineParser, ParserStats
from ketamon.io.parsers.ketamon_text import KetamonTextParser
from ketamon.io.parsers.masimo import MasimoAsciiParser

PARSERS: dict[str, type[LineParser]] = {
    MasimoAsciiParser.name: MasimoAsciiParser,
    KetamonTextParser.name: KetamonTextParser,
}


def make_parser(name: str) -> LineParser:
    try:
        return PARSERS[name]()
    except KeyError:
        known = ", ".join(PARSERS)
        raise ValueError(f"unknown protocol {name!r} (known: {known})") from None


__all__ = ["PARSERS", "Frame", "LineParser", "ParserStats", "make_parser"]
