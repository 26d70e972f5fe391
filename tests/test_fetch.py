"""Tests of get_data_home and fetch_mirage19 against a local HTTP server."""

import hashlib
import http.server
import logging
import tarfile
import threading

import numpy as np
import pytest
from mirage_fixtures import write_mirage

from skaug.datasets import fetch_mirage19, get_data_home, load_mirage19

ARCHIVE_PATH = "/mirage/MIRAGE-2019_traffic_dataset_downloadable_v2.tar.gz"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A fixture MIRAGE-2019 folder packed as .tar.gz; return its bytes and folder."""
    root = tmp_path_factory.mktemp("mirage19")
    write_mirage(root / "MIRAGE-2019_traffic_dataset_downloadable", year=2019)
    path = tmp_path_factory.mktemp("archive") / "mirage.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(
            root / "MIRAGE-2019_traffic_dataset_downloadable",
            arcname="MIRAGE-2019_traffic_dataset_downloadable",
        )
    return path.read_bytes(), root


@pytest.fixture
def server(archive):
    """Serve the archive on 127.0.0.1 (any other path gets 404); count requests."""
    content = archive[0]
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path != ARCHIVE_PATH:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, requests
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def checksum(content):
    return hashlib.sha256(content).hexdigest()


def test_data_home_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SKAUG_DATA", str(tmp_path / "from_env"))

    assert get_data_home() == tmp_path / "from_env"
    assert (tmp_path / "from_env").is_dir()
    assert get_data_home(tmp_path / "given") == tmp_path / "given"


def test_data_home_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SKAUG_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert get_data_home() == tmp_path / "skaug_data"


def test_fetch_then_cache(server, archive, tmp_path):
    base, requests = server
    content, root = archive
    url = base + ARCHIVE_PATH

    bunch = fetch_mirage19(
        tmp_path, url=url, sha256=checksum(content), size=len(content), split=0
    )

    assert requests == [ARCHIVE_PATH]
    expected = load_mirage19(root)
    np.testing.assert_array_equal(bunch.data, expected.data)
    assert bunch.flows.equals(expected.flows)
    assert len(bunch.test_index) > 0
    cached = (
        tmp_path / "mirage19" / "MIRAGE-2019_traffic_dataset_downloadable_v2.tar.gz"
    )
    assert cached.read_bytes() == content

    again = fetch_mirage19(tmp_path, url=url, sha256=checksum(content), split=0)

    assert requests == [ARCHIVE_PATH]
    np.testing.assert_array_equal(again.data, bunch.data)


def test_cached_without_download(server, archive, tmp_path):
    base, requests = server
    content, _ = archive
    fetch_mirage19(tmp_path, url=base + ARCHIVE_PATH, sha256=checksum(content))

    bunch = fetch_mirage19(tmp_path, download_if_missing=False)

    assert len(requests) == 1
    assert len(bunch.target) > 0


def test_missing_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="not cached.*download_if_missing"):
        fetch_mirage19(tmp_path, download_if_missing=False)


def assert_nothing_left(tmp_path):
    folder = tmp_path / "mirage19"
    assert [path.name for path in folder.iterdir()] == []


def test_wrong_checksum(server, archive, tmp_path):
    base, _ = server
    content, _ = archive
    wrong = "0" * 64

    with pytest.raises(OSError, match=f"SHA-256 {checksum(content)} but {wrong}"):
        fetch_mirage19(tmp_path, url=base + ARCHIVE_PATH, sha256=wrong)
    assert_nothing_left(tmp_path)


def test_wrong_size(server, archive, tmp_path):
    base, _ = server
    content, _ = archive

    with pytest.raises(OSError, match=f"has {len(content)} bytes but 12 were"):
        fetch_mirage19(tmp_path, url=base + ARCHIVE_PATH, size=12)
    assert_nothing_left(tmp_path)


def test_server_404(server, tmp_path):
    base, requests = server

    with pytest.raises(OSError, match="Download of .* failed: HTTP Error 404"):
        fetch_mirage19(tmp_path, url=base + "/absent.tar.gz")
    assert requests == ["/absent.tar.gz"]
    assert_nothing_left(tmp_path)


def test_no_checksum_warns(server, archive, tmp_path, caplog):
    base, _ = server

    with caplog.at_level(logging.WARNING, logger="skaug.datasets._fetch"):
        fetch_mirage19(tmp_path, url=base + ARCHIVE_PATH, sha256=None)

    assert "without a SHA-256 checksum" in caplog.text


def test_corrupt_cached_archive(tmp_path):
    folder = tmp_path / "mirage19"
    folder.mkdir()
    (folder / "MIRAGE-2019_traffic_dataset_downloadable_v2.tar.gz").write_bytes(b"x")

    with pytest.raises(OSError, match="(?s)could not be unpacked.*Delete it"):
        fetch_mirage19(tmp_path, download_if_missing=False)
    assert not (folder / "unpacked").exists()
