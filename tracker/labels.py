"""Choice labels as plain strings, built once.

`Status(value).label` and `get_status_display()` look the label up afresh on every call (and
the labels are lazy translations, turned to text each time); a page of fifty rows asks for a few
hundred. These are the same words, looked up in a dict.
"""

from __future__ import annotations

from tracker.models import Grade, Pillar
from tracker.workflow import Kind, Rag, Status


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


STATUS = _labels(Status)
GRADE = _labels(Grade)
PILLAR = _labels(Pillar)
RAG = _labels(Rag)
KIND = _labels(Kind)
