"""The clinical brain: pure Python, no Qt, no serial, no wall clock.

Every function that depends on time takes it as an argument: seconds on the
session clock (`t_s`). That makes replay, fast-forward training and exact tests
possible.
"""
