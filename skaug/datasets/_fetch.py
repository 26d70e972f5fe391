"""Download, verification and caching of public data sets."""

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from tqdm.auto import tqdm

from ..flows import DEFAULT_N_PACKETS
from ._mirage import load_mirage19

__all__ = ["MIRAGE19_URL", "fetch_mirage19", "get_data_home"]

logger = logging.getLogger(__name__)

# Archive published by the University of Naples Federico II on
# traffic.comics.unina.it/mirage (version 2 of the download).
MIRAGE19_URL = (
    "https://traffic.comics.unina.it/mirage/MIRAGE/"
    "MIRAGE-2019_traffic_dataset_downloadable_v2.tar.gz"
)
# NOTE: the SHA-256 checksum and size of the real archive could not be obtained
# offline, so fetch_mirage19 does not verify the default download unless the caller
# passes sha256 and size.
MIRAGE19_SHA256 = None
MIRAGE19_SIZE = None

_CHUNK_SIZE = 1 << 20
_COMPLETE_MARKER = ".complete"


def get_data_home(data_home=None):
    """Return the folder where skaug caches data sets, creating it if needed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. ``None`` takes the ``SKAUG_DATA`` environment variable,
        or ``~/skaug_data`` when it is unset. ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from skaug.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     get_data_home(folder).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get("SKAUG_DATA", "~/skaug_data")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch_mirage19(
    data_home=None,
    *,
    download_if_missing=True,
    url=MIRAGE19_URL,
    sha256=MIRAGE19_SHA256,
    size=MIRAGE19_SIZE,
    n_packets=DEFAULT_N_PACKETS,
    split=None,
    on_error="raise",
    timeout=60,
    verbose=False,
):
    """Download MIRAGE-2019 once, cache it, and load it with :func:`load_mirage19`.

    The archive is downloaded to a temporary file in ``<data_home>/mirage19``,
    checked against ``size`` and ``sha256``, renamed into place, and unpacked to
    ``<data_home>/mirage19/unpacked``. Later calls read the unpacked folder and
    make no request.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder, see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the archive when it is not cached. If False and it is missing,
        raise ``FileNotFoundError``.
    url : str, default=MIRAGE19_URL
        Address of the archive (``.tar.gz``).
    sha256 : str or None, default=None
        Expected SHA-256 checksum of the archive, in hexadecimal. ``None`` skips
        the check and logs a warning.
    size : int or None, default=None
        Expected archive size in bytes; ``None`` skips the check.
    n_packets, split, on_error
        Passed to :func:`load_mirage19`.
    timeout : float, default=60
        Seconds to wait for the server before the download fails.
    verbose : bool, default=False
        Show a progress bar while downloading and log each step at INFO level.

    Returns
    -------
    data : sklearn.utils.Bunch
        The curated data set, as :func:`load_mirage19` returns it.

    Raises
    ------
    FileNotFoundError
        If the archive is not cached and ``download_if_missing`` is False.
    OSError
        If the download fails, or the archive has the wrong size or checksum (the
        bad file is deleted).

    Notes
    -----
    MIRAGE-2019 is distributed under the CC BY-NC-ND 4.0 licence by the
    University of Naples Federico II; check its terms on the MIRAGE web page
    before use. The archive is about 1.5 GB.

    NOTE: the default ``sha256`` and ``size`` are None because the checksum of
    the real archive could not be verified offline.

    Examples
    --------
    >>> from skaug.datasets import fetch_mirage19
    >>> bunch = fetch_mirage19(split=0)  # doctest: +SKIP
    """
    folder = get_data_home(data_home) / "mirage19"
    unpacked = folder / "unpacked"
    if (unpacked / _COMPLETE_MARKER).is_file():
        _log(verbose, "Loading the cached MIRAGE-2019 folder %s", unpacked)
        return load_mirage19(
            unpacked, n_packets=n_packets, split=split, on_error=on_error
        )

    archive = folder / _archive_name(url)
    if not archive.is_file():
        if not download_if_missing:
            raise FileNotFoundError(
                f"MIRAGE-2019 is not cached in {folder}. Pass "
                f"download_if_missing=True, or place the archive at {archive}."
            )
        folder.mkdir(parents=True, exist_ok=True)
        download(
            url, archive, sha256=sha256, size=size, timeout=timeout, verbose=verbose
        )

    _unpack(archive, unpacked, verbose)
    return load_mirage19(unpacked, n_packets=n_packets, split=split, on_error=on_error)


def download(url, path, *, sha256=None, size=None, timeout=60, verbose=False):
    """Download ``url`` to ``path`` atomically, checking its size and checksum.

    The data goes to a temporary file beside ``path``, which is renamed to
    ``path`` only once the size and checksum match, so an interrupted or bad
    download never leaves a file at ``path``.

    Raises
    ------
    OSError
        If the request fails, or the size or SHA-256 checksum differ from the
        expected ones.
    """
    path = Path(path)
    if sha256 is None:
        logger.warning(
            "Downloading %s without a SHA-256 checksum: the file is not verified. "
            "Pass sha256 to verify it.",
            url,
        )
    _log(verbose, "Downloading %s to %s", url, path)

    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            received, digest = _copy_response(url, stream, timeout, verbose)
        _check_download(url, received, digest, size, sha256)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _copy_response(url, stream, timeout, verbose):
    """Stream the response body into ``stream``; return its size and SHA-256."""
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            with tqdm(
                total=total, unit="B", unit_scale=True, disable=not verbose
            ) as bar:
                while chunk := response.read(_CHUNK_SIZE):
                    stream.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, TimeoutError) as exc:
        raise OSError(
            f"Download of {url} failed: {exc}. Check the address and the network "
            "connection, then retry."
        ) from exc
    if total is not None and received != total:
        raise OSError(
            f"Download of {url} is incomplete: received {received} of {total} bytes. "
            "Retry the download."
        )
    return received, digest.hexdigest()


def _check_download(url, received, digest, size, sha256):
    if size is not None and received != size:
        raise OSError(
            f"Downloaded {url} has {received} bytes but {size} were expected. The "
            "file was deleted; retry, or check that url and size belong together."
        )
    if sha256 is not None and digest != sha256.lower():
        raise OSError(
            f"Downloaded {url} has SHA-256 {digest} but {sha256} was expected. The "
            "file was deleted; retry, or check that url and sha256 belong together."
        )


def _unpack(archive, unpacked, verbose):
    """Extract ``archive`` into ``unpacked`` atomically, then mark it complete."""
    _log(verbose, "Unpacking %s to %s", archive, unpacked)
    staging = Path(tempfile.mkdtemp(dir=unpacked.parent, prefix=".unpacking-"))
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            # The "data" filter rejects absolute paths, links out of the folder and
            # device files.
            tar.extractall(staging, filter="data")
        if unpacked.exists():
            shutil.rmtree(unpacked)
        os.replace(staging, unpacked)
    except tarfile.TarError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OSError(
            f"Archive {archive} could not be unpacked ({exc}). Delete it and fetch "
            "again."
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (unpacked / _COMPLETE_MARKER).touch()


def _archive_name(url):
    name = PurePosixPath(urlparse(url).path).name
    return name or "MIRAGE-2019.tar.gz"


def _log(verbose, message, *args):
    logger.log(logging.INFO if verbose else logging.DEBUG, message, *args)
