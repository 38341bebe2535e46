"""Garbage collection in a web worker: between requests, not in the middle of one.

CPython's full collection walks every object the process holds. Left to its own schedule, it
runs inside whichever request tips its counters: in bench/run.py's mix of pages it paused one
request in about 27, by 25-30 ms, and a page's p95 depended on how many of those pauses
happened to land on it. So a worker (peel/wsgi.py):

- freezes what loading the app made (`gc.freeze()`): it lives as long as the worker, and no
  collection walks it again;
- runs the full collection itself, after every `FULL_COLLECTION_EVERY`-th response has been
  sent (`request_finished`), when no request is in flight and no user waits on it.

The young generations are still collected as usual: those collections take a millisecond or
two. Management commands and the tests never import this: they keep CPython's defaults.
"""

from __future__ import annotations

import gc

from django.core.signals import request_finished

FULL_COLLECTION_EVERY = 100  # responses; each collection frees what they left in cycles
NEVER = 2**30  # as generation 2's threshold: CPython starts no full collection by itself


class BetweenRequests:
    """A `request_finished` receiver: a full collection after every FULL_COLLECTION_EVERY-th."""

    def __init__(self):
        self.served = 0

    def __call__(self, **kwargs) -> None:
        self.served += 1
        if self.served % FULL_COLLECTION_EVERY == 0:
            gc.collect()


def collect_between_requests() -> None:
    """Freeze the app as loaded; from now on, full collections run only between requests."""
    gc.collect()
    gc.freeze()
    young, older, _full = gc.get_threshold()
    gc.set_threshold(young, older, NEVER)
    request_finished.connect(BetweenRequests(), weak=False, dispatch_uid="peel.garbage")
