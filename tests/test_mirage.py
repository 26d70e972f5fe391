"""Tests of the MIRAGE loaders on fixture folders written to the MIRAGE schema."""

import json
import shutil
import tarfile
import warnings

import numpy as np
import pytest
from mirage_fixtures import APP_FLOWS, DEVICES, expected_flow, write_mirage

from skaug.datasets import _mirage_files, load_mirage19, load_mirage22, mirage_split
from skaug.datasets._mirage import DataWarning
from skaug.flows import DIRECTION, IAT, SIZE, check_flows, packet_counts

BIG, EDGE, THIRD = APP_FLOWS


@pytest.fixture(scope="module")
def mirage19(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirage19")
    manifest = write_mirage(root, year=2019)
    return root, manifest, load_mirage19(root, n_packets=32)


@pytest.fixture(scope="module")
def mirage22(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirage22")
    manifest = write_mirage(root, year=2022)
    return root, manifest, load_mirage22(root, n_packets=32)


@pytest.fixture(params=["msgspec", "json"])
def json_backend(request, monkeypatch):
    """Run a test with msgspec's fast path, then with the standard library only."""
    if request.param == "json":
        monkeypatch.setattr(_mirage_files, "msgspec", None)
    return request.param


def kept_counts(manifest):
    """Flows per app that pass the background and packet rules."""
    return manifest[manifest["expected_kept"]]["app"].value_counts().to_dict()


def test_class_counts(mirage19):
    _, manifest, bunch = mirage19
    expected = kept_counts(manifest)

    assert expected == APP_FLOWS
    counts = bunch.flows["app"].value_counts().to_dict()
    assert counts == {BIG: 101, THIRD: 150}
    assert bunch.target_names.tolist() == [BIG, THIRD]
    assert bunch.curation["dropped_classes"] == [EDGE]
    assert bunch.curation["small_classes"] == 100
    assert bunch.curation["kept"] == 251


def test_curation_counts(mirage19):
    _, manifest, bunch = mirage19
    app_flows = manifest[~manifest["background"]]

    assert bunch.curation["flows_read"] == len(manifest)
    assert bunch.curation["background"] == manifest["background"].sum()
    assert bunch.curation["too_few_packets"] == (app_flows["n_payload"] <= 10).sum()
    assert bunch.curation["invalid"] == 0
    assert bunch.curation["files"] == len(manifest["file"].unique())
    assert str(bunch.curation["kept"]) in bunch.DESCR


def test_background_dropped(mirage19):
    _, manifest, bunch = mirage19
    rows = manifest.set_index(["file", "flow_id"]).loc[
        list(zip(bunch.flows["file"], bunch.flows["flow_id"]))
    ]

    assert (rows["bf_label"].to_numpy() == bunch.flows["app"].to_numpy()).all()
    assert not rows["background"].any()
    assert "None" not in set(bunch.target)
    assert not bunch.flows["file"].str.contains("_None_").any()


def test_packet_boundary(mirage19):
    _, manifest, bunch = mirage19
    kept = manifest.merge(bunch.flows[["file", "flow_id"]], on=["file", "flow_id"])
    app_flows = manifest[~manifest["background"] & (manifest["app"] != EDGE)]
    eleven = app_flows[(app_flows["n_payload"] == 11) & (app_flows["n_total"] == 14)]
    ten = app_flows[app_flows["n_payload"] == 10]

    assert len(eleven) > 0
    assert len(eleven.merge(kept, on=["file", "flow_id"])) == len(eleven)
    assert len(ten) > 0
    assert (ten["n_total"] > 10).any()
    assert len(ten.merge(kept, on=["file", "flow_id"])) == 0
    assert kept["n_payload"].min() == 11


def test_n_packets_column(mirage19):
    _, manifest, bunch = mirage19
    merged = bunch.flows.merge(manifest, on=["file", "flow_id"])

    assert len(merged) == len(bunch.flows)
    assert (merged["n_packets"] == merged["n_payload"]).all()
    assert (packet_counts(bunch.data) == np.minimum(merged["n_payload"], 32)).all()


def test_packets_match_reference(mirage19):
    root, _, bunch = mirage19
    contents = {}
    for row, flow in enumerate(bunch.flows.itertuples()):
        path = root / flow.device / flow.file
        if path not in contents:
            contents[path] = json.loads(path.read_text())
        sizes, directions, iats = expected_flow(contents[path][flow.flow_id])
        n = len(sizes)

        np.testing.assert_array_equal(bunch.data[row, SIZE, :n], sizes)
        np.testing.assert_array_equal(bunch.data[row, DIRECTION, :n], directions)
        np.testing.assert_allclose(bunch.data[row, IAT, :n], iats, rtol=1e-6, atol=1e-9)
        assert (bunch.data[row, :, n:] == 0).all()


def test_flows_valid(mirage19):
    _, _, bunch = mirage19

    check_flows(bunch.data)
    assert bunch.data.dtype == np.float32
    assert (bunch.data[:, IAT, 0] == 0).all()
    assert (bunch.data[:, SIZE][bunch.data[:, DIRECTION] != 0] > 0).all()


def test_devices_and_order(mirage19):
    _, _, bunch = mirage19
    keys = list(zip(bunch.flows["device"], bunch.flows["file"]))

    assert set(bunch.flows["device"]) == set(DEVICES)
    assert keys == sorted(keys)
    assert (bunch.flows["label"] == bunch.flows["app"]).all()
    assert (bunch.target == bunch.flows["app"].to_numpy()).all()


def test_standard_library_same(mirage19, monkeypatch):
    root, _, bunch = mirage19
    monkeypatch.setattr(_mirage_files, "msgspec", None)

    again = load_mirage19(root, n_packets=32)

    np.testing.assert_array_equal(again.data, bunch.data)
    assert again.flows.equals(bunch.flows)
    assert again.curation == bunch.curation


def test_truncation_default(mirage19):
    root, _, full = mirage19
    bunch = load_mirage19(root)

    assert bunch.data.shape == (251, 3, 20)
    np.testing.assert_array_equal(bunch.data, full.data[:, :, :20])


def test_split_sizes(mirage19):
    root, _, _ = mirage19
    bunch = load_mirage19(root, split=0)
    n = len(bunch.target)
    train, val, test = bunch.train_index, bunch.val_index, bunch.test_index

    assert len(test) == int(np.ceil(0.1 * n))
    assert len(val) == int(np.ceil(0.1 * (n - len(test))))
    assert len(train) + len(val) + len(test) == n
    assert 0.78 < len(train) / n < 0.84
    assert len(np.union1d(np.union1d(train, val), test)) == n


def test_split_stratified():
    y = np.repeat(["a", "b", "c"], [5000, 1500, 500])
    train, val, test = mirage_split(y, 3)

    for part, share in ((train, 0.81), (val, 0.09), (test, 0.10)):
        for name, total in (("a", 5000), ("b", 1500), ("c", 500)):
            assert abs((y[part] == name).sum() - share * total) <= 2


def test_split_deterministic():
    y = np.repeat(["a", "b"], [700, 300])
    first = mirage_split(y, 1)
    second = mirage_split(y, 1)
    other = mirage_split(y, 2)

    for part, again in zip(first, second):
        np.testing.assert_array_equal(part, again)
    assert not np.array_equal(np.sort(first[2]), np.sort(other[2]))


@pytest.mark.parametrize("index", [-1, 5, 1.0, "0"])
def test_split_invalid_index(index):
    with pytest.raises(ValueError, match="split index must be an int from 0 to 4"):
        mirage_split(np.repeat(["a", "b"], 50), index)


def test_tar_gz(mirage19, tmp_path):
    root, _, bunch = mirage19
    archive = tmp_path / "MIRAGE-2019.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="MIRAGE-2019_traffic_dataset_downloadable")

    from_archive = load_mirage19(archive, n_packets=32)

    np.testing.assert_array_equal(from_archive.data, bunch.data)
    assert from_archive.flows.equals(bunch.flows)
    assert not (tmp_path / "MIRAGE-2019_traffic_dataset_downloadable").exists()


def test_mirage22_activity(mirage22):
    _, manifest, bunch = mirage22
    unknown = manifest[
        (manifest["activity"] == "Unknown") & (manifest["app"] != "None")
    ]
    merged = unknown.merge(bunch.flows, on=["file", "flow_id"])

    assert len(unknown) > 0
    assert len(merged) == 0
    assert bunch.flows["app"].value_counts().to_dict() == {BIG: 101, THIRD: 150}
    assert bunch.curation["background"] == manifest["background"].sum()


def test_wrong_year(mirage22):
    root, _, _ = mirage22

    with pytest.raises(FileNotFoundError, match="No MIRAGE-2019 file found"):
        load_mirage19(root)


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_mirage19(tmp_path / "absent")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_packets": 0}, "n_packets must be an int >= 1"),
        ({"on_error": "ignore"}, "on_error must be 'raise' or 'warn'"),
        ({"split": 5}, "split must be None or an int from 0 to 4"),
    ],
)
def test_invalid_parameters(mirage19, kwargs, match):
    root, _, _ = mirage19

    with pytest.raises(ValueError, match=match):
        load_mirage19(root, **kwargs)


def third_app_file(root):
    """Return the path of a file of THIRD and the id of one of its kept flows."""
    path = sorted(root.glob(f"*/*_{THIRD}_*.json"))[0]
    flows = json.loads(path.read_text())
    flow_id = next(
        key
        for key, flow in flows.items()
        if flow["flow_metadata"]["BF_label"] == THIRD
        and sum(size > 0 for size in flow["packet_data"]["L4_payload_bytes"]) >= 11
    )
    return path, flows, flow_id


def set_packet(name, index, value):
    def corrupt(flow):
        flow["packet_data"][name][index] = value

    return corrupt


def delete(*keys):
    def corrupt(flow):
        target = flow
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return corrupt


def shorten_iat(flow):
    flow["packet_data"]["iat"].pop()


FLOW_CORRUPTIONS = {
    "missing packet_data": (delete("packet_data"), r"missing key 'packet_data'"),
    "missing BF_label": (
        delete("flow_metadata", "BF_label"),
        r"missing key 'BF_label'",
    ),
    "missing iat": (delete("packet_data", "iat"), r"missing key 'iat'"),
    "unequal lists": (shorten_iat, "packet lists of unequal length"),
    "negative IAT": (set_packet("iat", 5, -0.5), r"packet 5: IAT -0\.5 s is negative"),
    "bad direction": (set_packet("packet_dir", 3, 2), r"packet 3: packet_dir 2\.0"),
    "negative payload": (
        set_packet("L4_payload_bytes", 4, -7),
        r"packet 4: L4_payload_bytes -7\.0 is not a whole number",
    ),
    "string payload": (set_packet("L4_payload_bytes", 2, "abc"), "not a number"),
    "null IAT": (set_packet("iat", 1, None), "packet 1: iat is null, NaN"),
    "nested direction": (set_packet("packet_dir", 0, [1]), "not a number"),
}


@pytest.mark.parametrize("case", sorted(FLOW_CORRUPTIONS))
def test_bad_flow_raises(mirage19, tmp_path, case, json_backend):
    corrupt, match = FLOW_CORRUPTIONS[case]
    root = tmp_path / "data"
    shutil.copytree(mirage19[0], root)
    path, flows, flow_id = third_app_file(root)
    corrupt(flows[flow_id])
    path.write_text(json.dumps(flows))

    with pytest.raises(ValueError, match=match) as error:
        load_mirage19(root)
    assert path.name in str(error.value)
    assert flow_id in str(error.value)
    assert "on_error='warn'" in str(error.value)


@pytest.mark.parametrize("case", sorted(FLOW_CORRUPTIONS))
def test_bad_flow_warns(mirage19, tmp_path, case, json_backend):
    corrupt, _ = FLOW_CORRUPTIONS[case]
    root = tmp_path / "data"
    shutil.copytree(mirage19[0], root)
    path, flows, flow_id = third_app_file(root)
    corrupt(flows[flow_id])
    path.write_text(json.dumps(flows))

    with pytest.warns(DataWarning, match="Skipped 1 invalid flow") as record:
        bunch = load_mirage19(root, n_packets=32, on_error="warn")

    assert len(record) == 1
    assert bunch.curation["kept"] == mirage19[2].curation["kept"] - 1
    is_bad = (bunch.flows["file"] == path.name) & (bunch.flows["flow_id"] == flow_id)
    assert not is_bad.any()
    check_flows(bunch.data)


def test_many_bad_flows_warn_once(mirage19, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(mirage19[0], root)
    path, flows, _ = third_app_file(root)
    for flow in flows.values():
        flow["packet_data"]["iat"][-1] = -1.0
    path.write_text(json.dumps(flows))
    # Background flows are dropped before their packets are checked.
    n_app_flows = sum(
        flow["flow_metadata"]["BF_label"] == THIRD for flow in flows.values()
    )

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_mirage19(root, on_error="warn")

    data_warnings = [w for w in record if issubclass(w.category, DataWarning)]
    assert len(data_warnings) == 1
    assert f"Skipped {n_app_flows} invalid flow(s)" in str(data_warnings[0].message)


def test_flow_not_object(mirage19, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(mirage19[0], root)
    path, flows, flow_id = third_app_file(root)
    flows[flow_id] = [1, 2, 3]
    path.write_text(json.dumps(flows))

    with pytest.raises(ValueError, match=f"{flow_id}.*not a JSON object"):
        load_mirage19(root)
    with pytest.warns(DataWarning, match="Skipped 1 invalid flow"):
        load_mirage19(root, on_error="warn")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (lambda text: text[: len(text) // 2], "invalid JSON"),
        (lambda text: "[1, 2]", "expected a JSON object of flows"),
        (lambda text: "\xff\xfe", "invalid JSON"),
    ],
)
def test_bad_file(mirage19, tmp_path, content, match, json_backend):
    root = tmp_path / "data"
    shutil.copytree(mirage19[0], root)
    path, _, _ = third_app_file(root)
    n_lost = (mirage19[2].flows["file"] == path.name).sum()
    path.write_text(content(path.read_text()))

    with pytest.raises(ValueError, match=match) as error:
        load_mirage19(root)
    assert path.name in str(error.value)

    with pytest.warns(DataWarning, match="Skipped 0 invalid flow.* and 1 invalid file"):
        bunch = load_mirage19(root, on_error="warn")
    assert n_lost > 0
    assert bunch.curation["kept"] == mirage19[2].curation["kept"] - n_lost


def test_not_an_archive(tmp_path):
    path = tmp_path / "MIRAGE-2019.tar.gz"
    path.write_bytes(b"not a tar file")

    with pytest.raises(ValueError, match="not a readable tar archive"):
        load_mirage19(path)


def test_split_sizes_published():
    # Split 0 of the 64,172 curated MIRAGE-2019 flows has 51,978 train, 5,776
    # validation and 6,418 test flows (tcbench, as published with the study).
    rng = np.random.default_rng(0)
    shares = np.linspace(7.4, 1.0, 20)
    y = rng.choice(20, size=64_172, p=shares / shares.sum())

    train, val, test = mirage_split(y, 0)

    assert len(train) == 51_978
    assert len(val) == 5_776
    assert len(test) == 6_418
