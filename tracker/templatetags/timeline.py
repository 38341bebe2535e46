"""The action page's timeline, written out in Python.

An action's notes and events (forty or more on a busy one) each took a dozen template lookups
and filters; this writes the same markup in one pass, escaping every value.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import filesizeformat, linebreaks_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tracker import dates

register = template.Library()
EMPTY = mark_safe("")


def _time(at) -> SafeString:
    local = dates.local(at)
    return format_html(
        '<time datetime="{}" class="text-body-secondary">{}</time>',
        dates.iso(local),
        dates.day_month_year_time(local),
    )


def _size(file) -> str:
    return filesizeformat(file.size)


def _files(note) -> SafeString:
    if not note.has_files:  # annotated by the view, which fetched only these notes' files
        return EMPTY
    files = note.files.all()
    items = format_html_join(
        "\n",
        '                      <li class="note-file">\n'
        '                        <a href="{}" class="note-file-name">{}</a>\n'
        '                        <span class="text-body-secondary">{}</span>\n'
        '                        <details class="note-file-hash">\n'
        "                          <summary>SHA-256 <code>{}…</code></summary>\n"
        '                          <code class="sha256">{}</code>\n'
        "                        </details>\n"
        "                      </li>",
        (
            (f.get_absolute_url(), f.original_name, _size(f), f.short_sha256, f.sha256)
            for f in files
        ),
    )
    return format_html(
        '\n                  <ul class="note-files list-unstyled"'
        ' aria-label="Files attached to this note">\n{}\n                  </ul>',
        items,
    )


def _note(note, at) -> SafeString:
    return format_html(
        '<li class="timeline-note" id="note-{}">\n'
        '                <div class="timeline-meta">\n'
        '                  <span class="badge badge-note badge-note-{}">{}</span>\n'
        '                  <span class="fw-semibold">{}</span>\n'
        "                  {}\n"
        "                </div>\n"
        '                <div class="note-body">{}</div>{}\n'
        "              </li>",
        note.pk,
        note.kind,
        note.get_kind_display(),
        note.author.display_name,
        _time(at),
        linebreaks_filter(note.body, autoescape=True),
        _files(note),
    )


def _event(event, at) -> SafeString:
    how = event.how
    how = format_html(' <span class="text-body-secondary">({})</span>', how) if how else EMPTY
    reason = (
        format_html('\n                <p class="mb-0 event-reason">Reason: {}</p>', event.reason)
        if event.reason
        else EMPTY
    )
    return format_html(
        '<li class="timeline-event">\n'
        '                <div class="timeline-meta">\n'
        '                  <span class="fw-semibold">{}</span>\n'
        "                  {}{}\n"
        "                  {}\n"
        "                </div>{}\n"
        "              </li>",
        event.actor,
        event.summary,
        how,
        _time(at),
        reason,
    )


@register.simple_tag
def timeline_entries(timeline) -> SafeString:
    """Each (kind, at, entry) of the action page's timeline as an <li>."""
    return mark_safe(  # noqa: S308 - every entry is built by format_html
        "\n              ".join(
            _note(entry, at) if kind == "note" else _event(entry, at)
            for kind, at, entry in timeline
        )
    )
