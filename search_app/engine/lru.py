"""A thread-safe least-recently-used cache bounded by a total weight (bytes, or entries)."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LRUCache:
    """Keeps the most recently used values while their weights add up to at most ``capacity``.

    A single value heavier than the capacity is still kept, alone; a capacity of 0 keeps nothing.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key):
        """The value, or None."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key, value, weight: int = 1) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, weight)
            self._weight += weight
            while self._weight > self.capacity and len(self._items) > 1:
                _key, (_value, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self, keep=None) -> None:
        """Forget every value, or those whose key ``keep`` does not accept."""
        with self._lock:
            for key in [k for k in self._items if keep is None or not keep(k)]:
                _value, dropped = self._items.pop(key)
                self._weight -= dropped
