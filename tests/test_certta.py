"""Tests of load_certta on the real TII-SSRC-23 flows and on broken copies."""

import json
import shutil

import numpy as np
import pytest

from skaug.datasets import load_certta
from skaug.flows import DIRECTION, IAT, SIZE, check_flows, packet_counts

CLASS_COUNTS = {
    "Audio": 240,
    "Video": 240,
    "BruteForce_http": 160,
    "BruteForce_telnet": 160,
    "Mirai": 160,
}


@pytest.fixture(scope="module")
def certta(certta_path):
    return load_certta(certta_path)


def test_real_counts(certta):
    assert certta.data.shape == (960, 3, 20)
    assert certta.flows["label"].value_counts().to_dict() == CLASS_COUNTS
    assert certta.target_names.tolist() == sorted(CLASS_COUNTS)
    assert set(certta.flows["file"]) == {"test.json", "valid.json"}
    assert (certta.flows["file"] == "test.json").sum() == 480


def test_real_flows_valid(certta):
    X = certta.data

    check_flows(X)
    assert (X[:, IAT][:, 0] == 0).all()
    assert (X[:, DIRECTION][:, 0] == 1).all()
    # Every CertTA flow has at least 30 packets, so none is padded at 20.
    assert (packet_counts(X) == 20).all()
    assert (certta.flows["n_packets"] >= 30).all()
    assert (certta.flows["n_packets"] <= 100).all()
    # IP packet lengths: at least a bare IPv4 + TCP header, at most CertTA's 1400.
    assert X[:, SIZE].min() >= 40
    assert X[:, SIZE].max() <= 1400


def test_real_matches_source(certta, certta_path):
    flows = json.loads((certta_path / "test.json").read_text())
    first = flows[0]
    row = certta.flows.index[
        (certta.flows["file"] == "test.json") & (certta.flows["flow_id"] == 0)
    ][0]
    X = certta.data[row]

    expected_sizes = np.abs(first["direction_length"][:20])
    expected_directions = np.sign(first["direction_length"][:20])
    expected_iats = np.diff(first["timestamp"][:20], prepend=0.0)
    np.testing.assert_array_equal(X[SIZE], expected_sizes)
    np.testing.assert_array_equal(X[DIRECTION], expected_directions)
    np.testing.assert_allclose(X[IAT], expected_iats, rtol=1e-6, atol=1e-7)
    assert certta.flows.loc[row, "n_packets"] == first["packet_num"]
    assert certta.flows.loc[row, "source_file"] == first["source_file"]


def test_real_descr_says_ip_sizes(certta):
    assert "IP packet lengths" in certta.DESCR
    assert (certta.flows["size_definition"] == "ip_length").all()


def test_one_file_finds_labels(certta_path):
    bunch = load_certta(certta_path / "valid.json", n_packets=40)

    assert bunch.data.shape == (480, 3, 40)
    assert set(bunch.target) == set(CLASS_COUNTS)
    assert (packet_counts(bunch.data) >= 30).all()


def write_flows(folder, flows, name="test.json"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(flows))
    return folder


def make_flow(**changes):
    flow = {
        "timestamp": [0.0, 0.01, 0.03, 0.03],
        "direction_length": [60, -1400, -1400, 52],
        "label": 1,
        "packet_num": 4,
    }
    flow.update(changes)
    return flow


def test_short_flow_padded(tmp_path):
    bunch = load_certta(write_flows(tmp_path, [make_flow()]), n_packets=6)

    assert packet_counts(bunch.data).tolist() == [4]
    assert bunch.data[0, SIZE].tolist() == [60, 1400, 1400, 52, 0, 0]
    assert bunch.flows["n_packets"].tolist() == [4]


def test_without_labels_json(tmp_path):
    bunch = load_certta(write_flows(tmp_path, [make_flow(), make_flow(label=3)]))

    assert bunch.target.tolist() == ["1", "3"]
    assert bunch.target_names.tolist() == ["1", "3"]


def test_first_packet_defines_upload(tmp_path):
    flow = make_flow(direction_length=[-60, 1400, 1400, -52])
    bunch = load_certta(write_flows(tmp_path, [flow]), n_packets=4)

    assert bunch.data[0, DIRECTION].tolist() == [1, -1, -1, 1]


def test_upstream_layout(tmp_path):
    write_flows(tmp_path / "json", [make_flow()], name="valid.json")
    (tmp_path / "labels.json").write_text(json.dumps({"A": 0, "B": 1}))

    bunch = load_certta(tmp_path)

    assert bunch.target.tolist() == ["B"]


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_certta(tmp_path / "absent")


def test_folder_without_splits(tmp_path):
    with pytest.raises(FileNotFoundError, match="contains none of"):
        load_certta(tmp_path)


def test_truncated_json(certta_path, tmp_path):
    shutil.copy(certta_path / "labels.json", tmp_path / "labels.json")
    text = (certta_path / "test.json").read_text()
    (tmp_path / "test.json").write_text(text[: len(text) // 2])

    with pytest.raises(ValueError, match=r"test\.json is not valid JSON.*truncated"):
        load_certta(tmp_path)


@pytest.mark.parametrize(
    ("flow", "match"),
    [
        ({"timestamp": [0.0], "label": 0}, r"flow 1: missing key\(s\) \['direction_"),
        (make_flow(timestamp=[0.0, 0.1]), "flow 1: .*equal length"),
        (make_flow(timestamp=[0.0, 0.2, 0.1, 0.3]), "flow 1, packet 2: .*negative IAT"),
        (make_flow(direction_length=[60, 0, 1, 2]), "flow 1, packet 1: .*is 0"),
        (make_flow(packet_num=9), "flow 1: 'packet_num' is 9"),
        (make_flow(timestamp=[], direction_length=[]), "flow 1: the flow has no pack"),
        (make_flow(timestamp="abc"), "flow 1: .*lists of numbers"),
        ([1, 2], "flow 1: expected a JSON object"),
    ],
)
def test_bad_flow_named(tmp_path, flow, match):
    write_flows(tmp_path, [make_flow(), flow])

    with pytest.raises(ValueError, match=match):
        load_certta(tmp_path)


def test_unknown_label(tmp_path):
    write_flows(tmp_path, [make_flow(label=7)])
    (tmp_path / "labels.json").write_text(json.dumps({"A": 0, "B": 1}))

    with pytest.raises(ValueError, match="label 7 is not an index of labels.json"):
        load_certta(tmp_path)


def test_not_an_array(tmp_path):
    (tmp_path / "test.json").write_text(json.dumps({"a": 1}))

    with pytest.raises(ValueError, match="must contain a JSON array"):
        load_certta(tmp_path)
