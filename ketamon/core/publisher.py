"""Plain callbacks: how core models publish changes without knowing about Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Publisher(Generic[T]):
    """A list of subscribers called in order with one value."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        self._subscribers.append(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._subscribers):
            callback(value)
