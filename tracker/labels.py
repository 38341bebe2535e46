"""Choice labels as plain strings, built once.

`Status(value).label` and `get_status_display()` look the label up afresh on every call (and
the labels are lazy translations, turned to text each time); a page of fifty rows asks for a few
hundred. These are the same words, looked up in a dict.
"""

from __future__ import annotations

from tracker.models import Grade, Pillar
from tracker.workflow import Kind, Rag, Status


def labels_of(choices) -> dict[str, str]:
    """A choices class's labels by value, as plain strings."""
    return {value: str(label) for value, label in choices.choices}


STATUS = labels_of(Status)
GRADE = labels_of(Grade)
PILLAR = labels_of(Pillar)
RAG = labels_of(Rag)
KIND = labels_of(Kind)
