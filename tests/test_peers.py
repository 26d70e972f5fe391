"""Tests of the converters from tcbench, CESNET DataZoo and nfstream conventions."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skaug.datasets import from_datazoo_arrays, from_nfstream_splt, read_tcbench_parquet
from skaug.flows import DIRECTION, IAT, SIZE


def write_parquet(path, columns):
    pq.write_table(pa.table(columns), path)
    return path


def test_tcbench_timetofirst_and_zero_one(tmp_path):
    path = write_parquet(tmp_path / "ucdavis.parquet", {
        "app": ["youtube", "google-doc"],
        "packets": [3, 2],
        "pkts_size": [[1350, 1350, 120], [80, 1200]],
        "pkts_dir": [[1, 0, 1], [1, 0]],
        "pkts_timetofirst": [[0.0, 0.5, 0.75], [0.0, 2.0]],
    })  # fmt: skip
    data = read_tcbench_parquet(path, n_packets=4)
    X = data.data
    assert X[0, SIZE].tolist() == [1350, 1350, 120, 0]
    assert X[0, DIRECTION].tolist() == [1, -1, 1, 0]
    assert X[0, IAT].tolist() == [0.0, 0.5, 0.25, 0.0]
    assert X[1, DIRECTION].tolist() == [1, -1, 0, 0]
    assert X[1, IAT].tolist() == [0.0, 2.0, 0.0, 0.0]
    assert data.target.tolist() == ["youtube", "google-doc"]
    assert data.target_names.tolist() == ["google-doc", "youtube"]
    assert data.flows.columns.tolist() == ["app", "packets"]


def test_tcbench_plus_minus_one_and_iat(tmp_path):
    path = write_parquet(tmp_path / "mirage.parquet", {
        "android_package_name": ["com.a", "com.b"],
        "pkts_size": [[10, 20, 30], [5]],
        "pkts_dir": [[1, -1, -1], [-1]],
        "pkts_iat": [[0.0, 0.125, 0.5], [0.0]],
    })  # fmt: skip
    X, y = read_tcbench_parquet(
        path, n_packets=2, label_column="android_package_name", return_X_y=True
    )
    assert X[0].tolist() == [[10, 20], [1, -1], [0.0, 0.125]]
    assert X[1].tolist() == [[5, 0], [-1, 0], [0.0, 0.0]]
    assert y.tolist() == ["com.a", "com.b"]


def test_tcbench_direction_map(tmp_path):
    path = write_parquet(tmp_path / "raw.parquet", {
        "app": ["a"], "pkts_size": [[1, 2]], "pkts_dir": [[0, 1]],
        "timetofirst": [[0.0, 1.0]],
    })  # fmt: skip
    X = read_tcbench_parquet(path, direction_map={0: 1, 1: -1}).data
    assert X[0, DIRECTION, :2].tolist() == [1, -1]


@pytest.mark.parametrize(
    ("columns", "kwargs", "match"),
    [
        ({"pkts_dir": [[2, 1]]}, {}, r"codes \[1.0, 2.0\], neither"),
        ({"pkts_dir": [[0, 1]]}, {"direction_map": {0: 1}}, r"codes \[1.0\]"),
        ({"pkts_dir": [[0, 1]]}, {"direction_map": {0: 1, 1: 0}}, "must map codes"),
        ({"pkts_timetofirst": [[0.0, -1.0]]}, {}, "go backwards"),
        ({"pkts_size": [[1, 2, 3]]}, {}, "unequal length"),
        ({}, {"label_column": "label"}, "label_column='label' is not a column"),
        ({}, {"time_column": "pkts_time"}, "time_column='pkts_time' is not"),
    ],
)
def test_tcbench_errors(tmp_path, columns, kwargs, match):
    table = {
        "app": ["a"],
        "pkts_size": [[1, 2]],
        "pkts_dir": [[1, -1]],
        "pkts_timetofirst": [[0.0, 1.0]],
    }
    table.update(columns)
    path = write_parquet(tmp_path / "bad.parquet", table)
    with pytest.raises(ValueError, match=match):
        read_tcbench_parquet(path, **kwargs)


def test_tcbench_without_time_column(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", {
        "app": ["a"], "pkts_size": [[1]], "pkts_dir": [[1]]})  # fmt: skip
    with pytest.raises(ValueError, match="none of the time columns"):
        read_tcbench_parquet(path)


def datazoo_flow(ipts_ms, directions, sizes, length=30, channels=3):
    ppi = np.zeros((channels, length))
    ppi[0, : len(ipts_ms)] = ipts_ms
    ppi[1, : len(directions)] = directions
    ppi[2, : len(sizes)] = sizes
    return ppi


def test_datazoo_conversion():
    ppi = np.stack([
        datazoo_flow([0, 12, 250], [1, -1, 1], [517, 1460, 31]),
        datazoo_flow([0], [-1], [99], channels=3),
    ])  # fmt: skip
    X, y = from_datazoo_arrays(ppi, ["tls-a", "tls-b"], n_packets=4)
    assert X.shape == (2, 3, 4)
    assert X[0, SIZE].tolist() == [517, 1460, 31, 0]
    assert X[0, DIRECTION].tolist() == [1, -1, 1, 0]
    np.testing.assert_allclose(X[0, IAT], [0.0, 0.012, 0.25, 0.0], rtol=1e-6)
    assert X[1, SIZE].tolist() == [99, 0, 0, 0]
    assert y.tolist() == ["tls-a", "tls-b"]


def test_datazoo_push_flags_and_padding_length():
    ppi = datazoo_flow([0, 5], [1, -1], [10, 20], length=3, channels=4)[None]
    ppi[0, 3] = [1, 0, 0]  # push flags are ignored
    X = from_datazoo_arrays(ppi, n_packets=5)
    assert X[0].tolist()[0] == [10, 20, 0, 0, 0]
    assert X[0].tolist()[1] == [1, -1, 0, 0, 0]


@pytest.mark.parametrize(
    ("ppi", "match"),
    [
        (np.zeros((2, 30)), r"shape \(n_flows, 3, length\)"),
        (np.zeros((1, 30, 3)), "Transpose"),
        (datazoo_flow([0, 1], [1, 2], [5, 5])[None], "direction .* has 2.0"),
        (datazoo_flow([0, 1], [1, -1], [0.5, 0.1])[None], "psizes_scaler=None"),
        (datazoo_flow([0, -1], [1, -1], [5, 5])[None], "ipt_scaler=None"),
        (datazoo_flow([0, 1, 2], [1, 0, 1], [5, 0, 5])[None], "padding"),
    ],
)
def test_datazoo_errors(ppi, match):
    with pytest.raises(ValueError, match=match):
        from_datazoo_arrays(ppi)


def test_datazoo_label_count():
    with pytest.raises(ValueError, match="one label per flow"):
        from_datazoo_arrays(np.zeros((2, 3, 30)), y=["a"])


def test_nfstream_conversion():
    directions = [[0, 1, 0, 1, -1, -1], [1, 0, -1, -1, -1, -1]]
    piats = [[0, 303, 0, 313, -1, -1], [0, 7, -1, -1, -1, -1]]
    sizes = [[74, 74, 66, 262, -1, -1], [60, 1500, -1, -1, -1, -1]]
    X = from_nfstream_splt(directions, piats, sizes, n_packets=5)
    assert X[0, SIZE].tolist() == [74, 74, 66, 262, 0]
    assert X[0, DIRECTION].tolist() == [1, -1, 1, -1, 0]
    np.testing.assert_allclose(X[0, IAT], [0, 0.303, 0, 0.313, 0], rtol=1e-6)
    # A first packet coded 1 (dst->src) stays a download packet.
    assert X[1, DIRECTION].tolist() == [-1, 1, 0, 0, 0]
    assert X[1, SIZE].tolist() == [60, 1500, 0, 0, 0]


def test_nfstream_labels_and_truncation():
    X, y = from_nfstream_splt([[0, 1, 0]], [[0, 1, 2]], [[1, 2, 3]], ["x"], n_packets=2)
    assert X.shape == (1, 3, 2)
    assert y.tolist() == ["x"]


@pytest.mark.parametrize(
    ("directions", "piats", "sizes", "match"),
    [
        ([[0, 2]], [[0, 1]], [[1, 1]], "flow 0 packet 1 has 2.0"),
        ([[0, 1]], [[0, 1]], [[1, 1, 1]], "same shape"),
        ([[0, 1]], [[0, -5]], [[1, 1]], "piats_ms must be >= 0 ms"),
        ([[0, 1]], [[0, 1]], [[1, -1]], "sizes must be >= 0 bytes"),
        ([[0, -1, 1]], [[0, -1, 1]], [[1, -1, 1]], "padding"),
    ],
)
def test_nfstream_errors(directions, piats, sizes, match):
    with pytest.raises(ValueError, match=match):
        from_nfstream_splt(directions, piats, sizes)


def test_ragged_input_is_type_error():
    with pytest.raises(TypeError, match="ragged"):
        from_nfstream_splt([[0], [0, 1]], [[0], [0, 1]], [[1], [1, 2]])


def test_invalid_n_packets():
    with pytest.raises(ValueError, match="n_packets must be >= 1"):
        from_nfstream_splt([[0]], [[0]], [[1]], n_packets=0)


def test_tcbench_missing_label_rejected(tmp_path):
    path = tmp_path / "missing.parquet"
    pd.DataFrame(
        {
            "app": [None, "b"],
            "pkts_size": [[1], [2]],
            "pkts_dir": [[1], [1]],
            "pkts_timetofirst": [[0.0], [0.0]],
        }
    ).to_parquet(path)
    with pytest.raises(ValueError, match="no 'app' label for 1 flows"):
        read_tcbench_parquet(path)


def test_first_iat_set_to_zero():
    ppi = np.array([[[7, 1], [1, 1], [3, 5]]])
    X = from_datazoo_arrays(ppi, n_packets=2)
    assert X[0, IAT, 0] == 0
    assert X[0, IAT, 1] == pytest.approx(0.001)

    X = from_nfstream_splt([[0, 1]], [[50, 10]], [[1, 2]], n_packets=2)
    assert X[0, IAT, 0] == 0
    assert X[0, IAT, 1] == pytest.approx(0.01)
