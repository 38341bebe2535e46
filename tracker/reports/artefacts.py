"""Undo what a PDF (or a copy from a PDF viewer) does to a report's text. Pure Python.

- Pages: the text of a PDF comes with a form feed ("\\f") between pages (pdf.py). A line at the
  top or bottom of a page that recurs, digits aside, on at least two pages is a running header
  or footer; a page number is a number alone on a line (or "Page 3", "3 of 12", "3/12") at the
  top or bottom of a page whose value keeps step with the page. Without pages (pasted text),
  a short line that recurs three times or more is a header or footer, and bare numbers that
  count up one by one are page numbers.
- Lines: a line break inside a paragraph is undone; a word hyphenated across lines is joined
  ("improve-/ment" → "improvement"), keeping the hyphen of a compound ("anti-/social",
  "re-/offending", or any hyphenated word seen whole elsewhere in the text).

Nothing is removed silently: `Cleaned.removed` lists each line taken out and why, for the
reader to report as a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

PAGE_BREAK = "\f"
_PAGE_NUMBER_RE = re.compile(
    r"(?:page\s+)?(?P<n>\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?|[-–]\s*(?P<m>\d{1,4})\s*[-–]",
    re.IGNORECASE,
)
_TERMINAL = (".", "!", "?", ":", ";", "’", "”", '"', ")")
_BULLET_START_RE = re.compile(r"(?:[•●▪◦·]|[-–*o](?=\s)|\(?[a-z0-9]{1,3}[.)](?=\s)|\([a-z]{1,3}\))")
# fmt: off
_KEEP_HYPHEN_PREFIXES = frozenset((
    "anti", "non", "re", "co", "pre", "post", "multi", "cross", "self", "well", "high", "low",
    "long", "short", "sub", "inter", "ex", "semi", "part", "full", "over", "under", "out",
    "counter", "cyber", "e", "x", "pan", "mid", "ill", "all",
))
# fmt: on
_JOIN_SUFFIXES = (
    "ment",
    "ments",
    "tion",
    "tions",
    "sion",
    "sions",
    "ing",
    "ings",
    "ness",
    "ity",
    "ities",
    "ance",
    "ence",
    "able",
    "ible",
    "ally",
    "ly",
    "ed",
    "er",
    "ers",
    "ive",
    "ives",
    "ous",
    "ise",
    "ised",
    "ize",
    "ized",
    "ship",
    "ful",
    "less",
    "al",
    "als",
    "ate",
    "ated",
    "ates",
)  # fmt: skip
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass
class Cleaned:
    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (why, line)


def digits_folded(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def page_number(line: str) -> int | None:
    match = _PAGE_NUMBER_RE.fullmatch(line.strip())
    if not match:
        return None
    return int(match["n"] or match["m"])


def remove_page_furniture(
    text: str, *, keep: Callable[[str], bool] = lambda line: False
) -> Cleaned:
    """Take out running headers, footers and page numbers. `keep(line)` protects a line the
    reader gives a meaning to (a grade, a heading), however often it recurs."""
    if PAGE_BREAK in text:  # a PDF's text: pages end with a form feed
        return _remove_by_page(text.removesuffix(PAGE_BREAK).split(PAGE_BREAK), keep)
    return _remove_by_repetition(text, keep)


def _edges(lines: list[str], depth: int = 2) -> list[int]:
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:depth] + filled[-depth:]))


def _remove_by_page(pages: list[str], keep: Callable[[str], bool]) -> Cleaned:
    page_lines = [page.split("\n") for page in pages]
    edge_counts: Counter[str] = Counter()
    # A page number keeps step with the page, in one style ("#", "page # of #") at one end.
    styles: Counter[tuple[int, str, bool]] = Counter()
    for index, lines in enumerate(page_lines):
        folded_here = set()
        edges = _edges(lines)
        for at in edges:
            folded_here.add(digits_folded(lines[at]))
            number = page_number(lines[at])
            if number is not None:
                styles[(number - index, digits_folded(lines[at]), at == edges[-1])] += 1
        edge_counts.update(folded_here)
    style = styles.most_common(1)[0][0] if styles and styles.most_common(1)[0][1] > 1 else None
    if style is None and len(pages) == 1:
        style = (1, "", True)  # one page: only "Page 1", "1 of 1" or "1/1" is its number
    removed: list[tuple[str, str]] = []
    kept_pages = []
    for index, lines in enumerate(page_lines):
        drop = set()
        dropped_keys = set()  # a header that is also the page's first heading goes once
        edges = _edges(lines)
        for at in edges:
            line = lines[at]
            number = page_number(line)
            explicit = number is not None and not line.strip().isdigit()
            if (
                style is not None
                and number is not None
                and number - index == style[0]
                and (digits_folded(line) == style[1] or (not style[1] and explicit))
                and (at == edges[-1]) == style[2]
            ):
                drop.add(at)
                removed.append(("page number", line.strip()))
            elif (
                number is None
                and edge_counts[digits_folded(line)] >= max(2, (len(page_lines) + 1) // 2)
                and not keep(line.strip())
                and len(line) <= 150
                and digits_folded(line) not in dropped_keys
            ):
                dropped_keys.add(digits_folded(line))
                drop.add(at)
                removed.append(("running header or footer", line.strip()))
        kept_pages.append("\n".join(line for at, line in enumerate(lines) if at not in drop))
    return Cleaned("\n".join(kept_pages), removed)


def _remove_by_repetition(text: str, keep: Callable[[str], bool]) -> Cleaned:
    lines = text.split("\n")
    counts = Counter(digits_folded(line) for line in lines if line.strip())
    removed: list[tuple[str, str]] = []
    # Bare numbers counting up one by one through the text are page numbers.
    numbers = [
        (at, n)
        for at, line in enumerate(lines)
        if (n := page_number(line)) is not None and line.strip()
    ]
    page_numbers: set[int] = set()
    run: list[int] = []
    previous = None
    for at, n in numbers:
        if previous is not None and n == previous + 1:
            run.append(at)
        else:
            if len(run) >= 2:
                page_numbers.update(run)
            run = [at]
        previous = n
    if len(run) >= 2:
        page_numbers.update(run)
    out = []
    for at, line in enumerate(lines):
        stripped = line.strip()
        if at in page_numbers:
            removed.append(("page number", stripped))
        elif (
            stripped
            and counts[digits_folded(line)] >= 3
            and len(stripped) <= 120
            and not keep(stripped)
            and not _BULLET_START_RE.match(stripped)
        ):
            removed.append(("running header or footer", stripped))
        else:
            out.append(line)
    return Cleaned("\n".join(out), removed)


# --- Wrapped lines --------------------------------------------------------------


def _words_seen(text: str) -> set[str]:
    return {word.casefold() for word in _WORD_RE.findall(text)}


def join_hyphenated(left: str, right: str, seen: set[str]) -> str:
    """Join 'improve-' and 'ment …' across a line break, keeping a compound's hyphen."""
    stem_match = re.search(r"([^\W\d_]+)[-\xad]$", left)
    tail_match = re.match(r"[^\W\d_]+", right)
    if not stem_match or not tail_match:
        return left + right
    stem, tail = stem_match[1], tail_match[0]
    whole, compound = (stem + tail).casefold(), f"{stem}-{tail}".casefold()
    soft = left.endswith("\xad")
    # A hyphen at a line's end is kept (a compound: "anti-social", "being-progressed"), unless
    # it is a soft hyphen, the whole word is used elsewhere in the text, or what follows is
    # only a word's ending ("improve-" / "ment").
    joined = soft or (
        compound not in seen
        and stem.casefold() not in _KEEP_HYPHEN_PREFIXES
        and not tail[:1].isupper()
        and (whole in seen or tail.casefold() in _JOIN_SUFFIXES)
    )
    if joined:
        return left[:-1] + right
    return left + right


def unwrap(
    text: str,
    *,
    blank_lines_are_paragraphs: bool,
    stands_alone: Callable[[str], bool] = lambda line: False,
) -> str:
    """Undo hard line breaks inside paragraphs; return one paragraph per line.

    With `blank_lines_are_paragraphs` (a PDF's text, where pdf.py marks each gap between
    paragraphs with a blank line) the lines of a block are one paragraph, unless a line starts
    a bullet or `stands_alone(line)` (a heading, a grade, a number). Without (pasted text), a
    line continues the one before when that one does not end a sentence and either this one
    starts in lower case or that one is as long as the text's wrapped lines are.
    Blank lines are kept between paragraphs in the first case and dropped in the second.
    """
    lines = [line.rstrip() for line in text.split("\n")]
    seen = _words_seen(text)
    widths = sorted(len(line.strip()) for line in lines if line.strip())
    wrap_width = widths[int(len(widths) * 0.9)] if widths else 0
    out: list[str] = []
    open_paragraph = False
    for raw in lines:
        line = raw.strip()
        if not line:
            if blank_lines_are_paragraphs:
                if out and out[-1] != "":
                    out.append("")
                open_paragraph = False
            continue
        previous = out[-1] if out and open_paragraph else None
        joins = previous is not None and not _starts_item(line, previous) and not stands_alone(line)
        if joins and previous is not None:
            if blank_lines_are_paragraphs:
                joins = not stands_alone(previous)
            else:
                joins = not previous.endswith(_TERMINAL) and (
                    line[:1].islower()
                    or previous.endswith(("-", "\xad", ","))
                    or len(previous) >= 0.8 * wrap_width
                )
                joins = joins and not stands_alone(previous)
        if joins and previous is not None:
            if previous.endswith(("-", "\xad")) and line[:1].isalpha():
                out[-1] = join_hyphenated(previous, line, seen)
            else:
                out[-1] = f"{previous} {line}"
        else:
            out.append(line)
        open_paragraph = True
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out).replace("\xad", "")


def _starts_item(line: str, previous: str | None) -> bool:
    """A bullet starts here; but a dash after an unfinished sentence that is no bullet itself
    is the sentence's own dash, wrapped ("abused" / "– or are at risk of abusing –")."""
    if not _BULLET_START_RE.match(line):
        return False
    if line[:1] in "-–" and previous is not None:
        return previous.endswith(_TERMINAL) or bool(_BULLET_START_RE.match(previous))
    return True
