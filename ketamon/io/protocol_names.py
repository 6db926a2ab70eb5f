"""The monitor protocols' names, for the command line's choices, without their parsers.

The parsers (ketamon/io/parsers, the registry PARSERS) are imported when a monitor is
used; the GUI's first frame does not need them (bench/startup.py). A test keeps this
list equal to PARSERS' names.
"""

PROTOCOL_NAMES = ("masimo-ascii", "ketamon-text", "ge-s5", "intellivue")
