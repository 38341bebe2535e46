"""A spreadsheet import being confirmed (tracker/spreadsheet/pages.py).

Between its preview and its confirm an uploaded spreadsheet waits in storage, which may be an
S3 bucket that every app server shares; S3 has no rename, so the confirm cannot claim the file
by moving it as a local folder could. It claims the import here instead: the token is the
primary key, so of two presses of Confirm (two tabs, two app servers) one inserts the row and
the other is refused, whichever server each reached. The row goes when the confirm ends.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SpreadsheetImportClaim(models.Model):
    """One confirm of a spreadsheet import, while it runs: its token, claimed once."""

    token = models.CharField(max_length=64, primary_key=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.token} since {self.claimed_at:%Y-%m-%d %H:%M:%S}"
