"""ketamon: bedside dashboard for IV ketamine infusions.

Supports monitoring and training; it is not a certified medical device.
"""

__version__ = "0.1.0"
