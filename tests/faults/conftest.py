"""Fault tests: a real service made to fail, and what a user and an operator see.

Each test starts what it breaks (tests/services.py), breaks it for real (a process stopped, a
disk filled), and stops everything in `finally` blocks, every wait bounded: a test never waits
on a service longer than a few seconds at a time, and the folder stops in well under 2 minutes.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import ROOT, ObjectStore, temporary_folder


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder for a test's services (logs, data); removed after."""
    path = temporary_folder("peel-faults-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail where PEEL_REQUIRE_DEPLOY=1 (CI)."""
    if os.environ.get("PEEL_REQUIRE_DEPLOY") == "1":
        pytest.fail(f"{reason}: PEEL_REQUIRE_DEPLOY=1")
    pytest.skip(reason)


@contextlib.contextmanager
def small_tmpfs(mountpoint: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `mountpoint`, unmounted at the end, whatever happened."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount") or shutil.which("mount", path="/usr/bin:/bin")
    if mount is None:
        skip_or_fail("mounting a small file system needs mount(8)")
    run = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if run.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs here ({run.stderr.strip() or run.returncode})")
    try:
        yield mountpoint
    finally:
        umount = subprocess.run(
            ["umount", str(mountpoint)], capture_output=True, text=True, timeout=10
        )
        if umount.returncode != 0:  # a file still open: detach it now, freed when closed
            subprocess.run(["umount", "-l", str(mountpoint)], timeout=10, check=False)


def s3_evidence_storage(store: ObjectStore, monkeypatch) -> dict:
    """STORAGES["default"] exactly as peel/settings.py makes it for `store`'s environment."""
    for name, value in store.environment().items():
        monkeypatch.setenv(name, value)
    made = runpy.run_path(str(ROOT / "peel" / "settings.py"))
    return made["STORAGES"]["default"]
