"""The documentation stands alone: it names only files in the repository, and what exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tracker.workflow import Role, Status

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    "README.md",
    "SECURITY.md",
    "docs/architecture.md",
    "docs/performance.md",
    "docs/import-format.md",
    "docs/deploy.md",
]
# A path as the docs write it in backticks or a link: `tracker/exports.py`, (docs/performance.md)
PATH_RE = re.compile(
    r"[`(]((?:\.ci|bench|data|docs|peel|static|templates|tests|tracker)/[\w./*-]*"
    r"|[\w-]+\.(?:md|py|toml|json))[`)#:]"
)


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.html", "*.toml", "Makefile", ".ci/*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in names if (ROOT / name).is_file()]


def test_nothing_in_the_repository_cites_a_design_or_folder_outside_it():
    outside = re.compile(r"DESIGN\.md|(?<![\w/])shared/|/work/")
    citing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        if path.name != "test_docs.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert citing == []


def test_every_file_the_docs_name_exists():
    def exists(doc: Path, name: str) -> bool:
        # From the top of the repository, beside the document, or a template's name.
        bases = (ROOT, doc.parent, ROOT / "templates")
        return any(any(base.glob(name.rstrip("/"))) for base in bases)

    missing = [
        f"{doc}: {name}"
        for doc in [*DOCS, "tests/fixtures/reports/README.md"]
        for name in PATH_RE.findall((ROOT / doc).read_text(encoding="utf-8"))
        if ("/" in name or name.endswith(".md")) and not exists(ROOT / doc, name)
    ]
    assert missing == []


def test_the_readme_documents_every_management_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = sorted(
        path.stem
        for path in (ROOT / "tracker/management/commands").glob("*.py")
        if path.stem != "__init__"
    )
    assert "add_user" in commands
    assert [c for c in commands if f"manage.py {c} " not in readme] == []


def test_the_readme_explains_roles_statuses_and_colours_for_users():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in (
        "## Who does what",
        "## What an action's status means",
        "### RAG colours",
        "## Accounts",
        "## Importing a report",
    ):
        assert heading in readme
    for status in Status:
        assert f"**{status.label}**" in readme
    for role in Role:
        assert f"**{role.label}" in readme  # "**Inspectors**" too
    for colour in ("Red", "Amber", "Green", "Grey"):
        assert f"**{colour}**" in readme


def test_performance_internals_live_in_docs_not_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    performance = readme.split("## Performance\n", 1)[1].split("\n## ", 1)[0]
    assert len(performance.strip().splitlines()) <= 3
    assert "docs/performance.md" in performance
    assert "| action page |" in (ROOT / "docs/performance.md").read_text(encoding="utf-8")


def test_the_deployment_guide_shows_the_configurations_the_deployment_tests_run():
    """docs/deploy.md's haproxy and PgBouncer configurations are tests/services.py's, as
    tests/deploy/ runs them (two servers' addresses; PgBouncer passing on no `options`)."""
    from tests.services import HAPROXY, PGBOUNCER

    guide = (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    servers = "\n".join(
        f"    server app-{name} 10.0.0.{number}:8000 check inter 1s fall 3 rise 1"
        for name, number in (("a", 11), ("b", 12))
    )
    haproxy = HAPROXY.format(port=8080, servers=servers)
    pgbouncer = PGBOUNCER.format(
        pg_port=5432, port=6432, folder="/etc/pgbouncer", ignore="extra_float_digits"
    )
    assert f"```\n{haproxy}```" in guide
    assert f"```\n{pgbouncer}```" in guide
    assert "PEEL_PGBOUNCER" in guide and "ALTER DATABASE peel SET jit = off" in guide
