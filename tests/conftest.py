"""Shared fixtures: the real traffic data that sits beside the repository."""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(name):
    """Return the folder of one real data set, or skip the test when it is absent.

    A user's clone has no such folder, so the test is skipped with the reason. Under
    CI (``CI=true``) the data is always laid beside the repository, and a missing
    folder fails the test instead of hiding it.
    """
    folder = SHARED_DATA / name
    if folder.is_dir():
        return folder

    reason = f"real data folder {folder} not found"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}, and CI=true requires it")
    pytest.skip(f"{reason}; place the data beside the repository to run this test")


@pytest.fixture(scope="session")
def certta_path():
    """Folder of the CertTA TII-SSRC-23 flows (960 real flows, 5 classes)."""
    return shared_data("certta-tiissrc23")


@pytest.fixture(scope="session")
def ndpi_path():
    """Folder of the nDPI application-named captures and nDPI's verdicts."""
    return shared_data("ndpi-test-pcaps")
