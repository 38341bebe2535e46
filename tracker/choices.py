"""The options of a model choice field, from one plain query."""

from __future__ import annotations

from django.forms.models import ModelChoiceIterator


class OneQueryModelChoiceIterator(ModelChoiceIterator):
    """A model choice field's options from one plain query.

    Django's iterator uses `QuerySet.iterator()`, which on PostgreSQL opens a server-side
    cursor (DECLARE … WITH HOLD, FETCH, CLOSE) for what is a few dozen rows.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)
