"""Reading of MIRAGE JSON files: discovery, parsing and per-flow checks.

This module turns a MIRAGE folder or archive into flat per-packet arrays and per-flow
records, so that :mod:`skaug.datasets._mirage` can curate all flows with a few
vectorised numpy passes.
"""

import itertools
import json
import re
import tarfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

try:
    import msgspec
except ImportError:  # pragma: no cover - msgspec is a dependency, kept optional here
    msgspec = None

__all__ = ["DataWarning", "MirageFlows", "Problems", "read_mirage"]

_FILE_PATTERN = re.compile(
    r"^(?P<time>\d+)_(?P<app>.+)_(?P<dataset>MIRAGE-\d{4})"
    r"_traffic_dataset_labeled_biflows\.json$"
)
_PACKET_KEYS = ("L4_payload_bytes", "packet_dir", "iat")
_CHANNELS = ("payload", "direction", "iat", "lengths", "numeric")

# App name in the file name of captures that belong to no app: all their flows are
# background traffic.
_NO_APP = "None"


class DataWarning(UserWarning):
    """Warning about invalid source data that a loader skipped."""


class Problems:
    """Collector of invalid flows and files: raise at once, or count and skip.

    Parameters
    ----------
    on_error : {"raise", "warn"}
        ``"raise"`` raises ``ValueError`` at the first problem. ``"warn"`` counts the
        problems and :meth:`warn` emits one :class:`DataWarning` at the end.
    """

    def __init__(self, on_error):
        self.on_error = on_error
        self.n_flows = 0
        self.n_files = 0
        self.examples = []

    def flow(self, message):
        """Record an invalid flow, or raise in "raise" mode."""
        self._record(message)
        self.n_flows += 1

    def file(self, message):
        """Record an invalid file, or raise in "raise" mode."""
        self._record(message)
        self.n_files += 1

    def _record(self, message):
        if self.on_error == "raise":
            raise ValueError(
                f"{message} Pass on_error='warn' to skip invalid flows and files."
            )
        if len(self.examples) < 3:
            self.examples.append(message)

    def warn(self, stacklevel=3):
        """Emit one DataWarning that counts the skipped flows and files, if any."""
        if not (self.n_flows or self.n_files):
            return
        examples = " | ".join(self.examples)
        warnings.warn(
            f"Skipped {self.n_flows} invalid flow(s) and {self.n_files} invalid "
            f"file(s); the rest was loaded. First problems: {examples}",
            DataWarning,
            stacklevel=stacklevel,
        )


@dataclass
class MirageFlows:
    """Packets of the app (non-background) flows of a MIRAGE data set.

    Flow ``i`` comes from file ``file_index[i]`` of ``files`` and ``devices``. Its
    packet lists are collected per file, then :meth:`end_file` turns them into flat
    float64 arrays, so that few Python objects stay alive during loading.
    """

    files: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    flow_ids: list = field(default_factory=list)
    apps: list = field(default_factory=list)
    file_index: list = field(default_factory=list)
    n_read: int = 0
    n_background: int = 0
    _pending: tuple = ((), (), ())
    _chunks: dict = field(default_factory=lambda: {name: [] for name in _CHANNELS})

    def add(self, flow_id, app, file_index, payload, direction, iat):
        """Append one app flow and its packet lists."""
        if not self._pending[0]:
            self._pending = ([], [], [])
        self.flow_ids.append(flow_id)
        self.apps.append(app)
        self.file_index.append(file_index)
        for pending, values in zip(self._pending, (payload, direction, iat)):
            pending.append(values)

    def end_file(self, problems):
        """Convert the packets of the flows added since the last call to arrays."""
        payload, direction, iat = self._pending
        self._pending = ((), (), ())
        if not payload:
            return

        first = len(self.flow_ids) - len(payload)
        numeric = np.ones(len(payload), dtype=bool)
        for name, lists in zip(_CHANNELS, (payload, direction, iat)):
            values, channel_numeric = _flatten(lists)
            self._chunks[name].append(values)
            numeric &= channel_numeric
        self._chunks["lengths"].append(np.fromiter(map(len, payload), np.int64))
        self._chunks["numeric"].append(numeric)

        for i in np.flatnonzero(~numeric):
            problems.flow(
                f"{self.files[self.file_index[first + i]]}, flow "
                f"{self.flow_ids[first + i]!r}: a packet_data value of "
                f"{list(_PACKET_KEYS)} is not a number."
            )

    def arrays(self):
        """Return the flat payload, direction and IAT arrays, lengths and numeric mask.

        ``numeric`` is False for flows with a non-numeric packet value, whose values
        are NaN.
        """
        return {
            name: np.concatenate(chunks) if chunks else np.zeros(0, dtype)
            for (name, chunks), dtype in zip(
                self._chunks.items(), (float, float, float, np.int64, bool)
            )
        }


def read_mirage(path, dataset, problems, *, activity_background=False):
    """Read every MIRAGE file of ``path`` and keep the packets of app flows.

    Parameters
    ----------
    path : str or path-like
        Folder (searched recursively) or ``.tar``/``.tar.gz`` archive.
    dataset : str
        ``"MIRAGE-2019"`` or ``"MIRAGE-2022"``, the tag in the file names.
    problems : Problems
        Collector of invalid flows and files.
    activity_background : bool, default=False
        Also treat flows whose ``flow_metadata.BF_activity`` is ``"Unknown"`` as
        background (MIRAGE-2022).

    Returns
    -------
    flows : MirageFlows
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{dataset} path {str(path)!r} not found. Pass the unpacked {dataset} "
            "folder or its .tar.gz archive."
        )

    flows = MirageFlows()
    sources = _iter_archive(path) if path.is_file() else _iter_folder(path)
    for name, device, read in sources:
        match = _FILE_PATTERN.match(PurePosixPath(name).name)
        if match is None or match["dataset"] != dataset:
            continue
        flows.files.append(PurePosixPath(name).name)
        flows.devices.append(device)
        _read_file(read(), name, match["app"], flows, problems, activity_background)
        flows.end_file(problems)

    if not flows.files:
        raise FileNotFoundError(
            f"No {dataset} file found in {str(path)!r}: file names must look like "
            f"'<unix time>_<android package>_{dataset}_traffic_dataset_labeled_"
            "biflows.json'. Check that the path is the unpacked data set and that "
            "the loader matches its year."
        )
    return flows


def _iter_folder(folder):
    for file in sorted(folder.rglob("*_traffic_dataset_labeled_biflows.json")):
        yield file.relative_to(folder).as_posix(), file.parent.name, file.read_bytes


def _iter_archive(archive):
    try:
        tar = tarfile.open(archive, mode="r:*")
    except tarfile.TarError as exc:
        raise ValueError(
            f"{str(archive)!r} is not a readable tar archive ({exc}). Pass the "
            "unpacked folder, or download the archive again."
        ) from None

    with tar:
        # Streaming over the members reads the archive once, without extracting it.
        for member in tar:
            if not (member.isfile() and member.name.endswith(".json")):
                continue
            device = PurePosixPath(member.name).parent.name
            stream = tar.extractfile(member)
            yield member.name, device, stream.read


def _read_file(content, name, app, flows, problems, activity_background):
    file_index = len(flows.files) - 1
    typed_flows = _decode_typed(content, activity_background)
    if typed_flows is not None and _add_typed_flows(
        typed_flows, app, file_index, flows, activity_background
    ):
        return

    # Slow path, also the reference: generic decoding and per-flow checks, which
    # name the invalid flow and skip only that flow in "warn" mode.
    try:
        file_flows = _decode_generic(content)
    except _generic_errors() as exc:
        problems.file(
            f"{name}: invalid JSON ({exc}). The file is truncated or corrupted; "
            "unpack or download the data set again."
        )
        return
    if not isinstance(file_flows, dict):
        problems.file(
            f"{name}: expected a JSON object of flows keyed by flow id, got "
            f"{type(file_flows).__name__}. Check that this is a MIRAGE file."
        )
        return

    flows.n_read += len(file_flows)
    for flow_id, flow in file_flows.items():
        packets = _app_packets(flow, name, flow_id, app, problems, activity_background)
        if packets is None:
            continue
        if packets is _BACKGROUND:
            flows.n_background += 1
            continue
        flows.add(flow_id, app, file_index, *packets)


if msgspec is not None:

    class _PacketData(msgspec.Struct, gc=False):
        L4_payload_bytes: list[int]
        packet_dir: list[int]
        iat: list[float]

    class _Metadata19(msgspec.Struct, gc=False):
        BF_label: str

    class _Metadata22(msgspec.Struct, gc=False):
        BF_label: str
        BF_activity: str

    class _Flow19(msgspec.Struct, gc=False):
        packet_data: _PacketData
        flow_metadata: _Metadata19

    class _Flow22(msgspec.Struct, gc=False):
        packet_data: _PacketData
        flow_metadata: _Metadata22

    # Typed decoding skips the fields it does not declare (flow_features, payload
    # bytes) without building Python objects, which makes it several times faster.
    _TYPED_DECODERS = {
        False: msgspec.json.Decoder(dict[str, _Flow19]),
        True: msgspec.json.Decoder(dict[str, _Flow22]),
    }


def _decode_typed(content, activity_background):
    """Decode a well-formed file fast, or return None to take the checked path."""
    if msgspec is None:
        return None
    try:
        return _TYPED_DECODERS[activity_background].decode(content)
    except msgspec.DecodeError:
        return None


def _decode_generic(content):
    if msgspec is None:
        return json.loads(content)
    return msgspec.json.decode(content)


def _generic_errors():
    if msgspec is None:
        return (ValueError,)
    return (msgspec.DecodeError,)


def _add_typed_flows(typed_flows, app, file_index, flows, activity_background):
    """Add a typed file's app flows; return False, adding nothing, if one is bad."""
    app_flows = []
    for flow_id, flow in typed_flows.items():
        metadata = flow.flow_metadata
        if (
            app == _NO_APP
            or metadata.BF_label != app
            or (activity_background and metadata.BF_activity == "Unknown")
        ):
            continue
        packets = flow.packet_data
        n = len(packets.iat)
        if len(packets.L4_payload_bytes) != n or len(packets.packet_dir) != n:
            return False
        app_flows.append(
            (flow_id, packets.L4_payload_bytes, packets.packet_dir, packets.iat)
        )

    flows.n_read += len(typed_flows)
    flows.n_background += len(typed_flows) - len(app_flows)
    for flow_id, payload, direction, iat in app_flows:
        flows.add(flow_id, app, file_index, payload, direction, iat)
    return True


_BACKGROUND = object()


def _app_packets(flow, name, flow_id, app, problems, activity_background):
    """Return a flow's packet lists, _BACKGROUND, or None for an invalid flow."""
    where = f"{name}, flow {flow_id!r}"
    try:
        metadata = flow["flow_metadata"]
        label = metadata["BF_label"]
        activity = metadata["BF_activity"] if activity_background else None
        if app == _NO_APP or label != app or activity == "Unknown":
            return _BACKGROUND
        packet_data = flow["packet_data"]
        packets = [packet_data[key] for key in _PACKET_KEYS]
    except KeyError as exc:
        problems.flow(
            f"{where}: missing key {exc}. A MIRAGE flow needs flow_metadata.BF_label"
            f"{' and BF_activity' if activity_background else ''} and packet_data "
            f"lists {list(_PACKET_KEYS)}; check that the file is a MIRAGE labeled "
            "biflows file."
        )
        return None
    except TypeError:
        problems.flow(
            f"{where}: the flow, its flow_metadata or its packet_data is not a JSON "
            "object. Check that the file is a MIRAGE labeled biflows file."
        )
        return None

    if not all(type(values) is list for values in packets):
        problems.flow(
            f"{where}: packet_data values {list(_PACKET_KEYS)} must be lists."
        )
        return None
    lengths = [len(values) for values in packets]
    if lengths[0] != lengths[1] or lengths[0] != lengths[2]:
        problems.flow(
            f"{where}: packet lists of unequal length "
            f"({dict(zip(_PACKET_KEYS, lengths))}), so packets cannot be matched. "
            "The file is corrupted; unpack or download the data set again."
        )
        return None
    return packets


def _flatten(lists):
    """Concatenate per-flow lists of numbers into one float64 array.

    Returns the array and the boolean mask of flows whose values are all numbers.
    A flow with another value (a string, a nested list) gets NaN values.
    """
    # NOTE: numpy converts null to NaN (rejected later by the NaN check), and
    # numeric strings and booleans to numbers, which pass unnoticed.
    total = sum(map(len, lists))
    try:
        values = np.fromiter(itertools.chain.from_iterable(lists), np.float64, total)
        return values, np.ones(len(lists), dtype=bool)
    except (TypeError, ValueError):
        pass

    # Slow path, only for invalid data: find the flows that are not numeric.
    numeric = np.ones(len(lists), dtype=bool)
    parts = []
    for i, values in enumerate(lists):
        try:
            parts.append(np.asarray(values, dtype=np.float64).reshape(len(values)))
        except (TypeError, ValueError):
            numeric[i] = False
            parts.append(np.full(len(values), np.nan))
    return np.concatenate(parts), numeric
