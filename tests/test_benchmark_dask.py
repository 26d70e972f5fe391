"""The benchmark on a real Dask LocalCluster, including a worker killed mid-run."""

import signal
import sys
import time

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed", reason="needs skaug[cluster]")
psutil = pytest.importorskip("psutil", reason="installed with distributed")

from _benchmark_helpers import SCRIPT, TINY, expected_keys  # noqa: E402

from skaug.benchmark import ResultStore  # noqa: E402
from skaug.benchmark.cli import main  # noqa: E402

EXPECTED = expected_keys()


def test_dask_matches_serial(tmp_path):
    serial, dask = tmp_path / "serial", tmp_path / "dask"
    assert main([*TINY, "--out", str(serial)]) == 0
    assert main([*TINY, "--dask-workers", "2", "--out", str(dask)]) == 0

    serial_f1 = pd.read_csv(serial / "results.csv").set_index(["method", "seed"])
    dask_f1 = pd.read_csv(dask / "results.csv").set_index(["method", "seed"])
    pd.testing.assert_series_equal(
        serial_f1["weighted_f1"].sort_index(), dask_f1["weighted_f1"].sort_index()
    )


def _worker_processes(parent):
    return [
        child
        for child in parent.children(recursive=True)
        if "resource_tracker" not in " ".join(child.cmdline())
    ]


def test_killed_dask_worker_loses_nothing(tmp_path):
    store_path = tmp_path / "results.sqlite"
    process = psutil.Popen(
        [
            sys.executable,
            str(SCRIPT),
            *TINY,
            "--dask-workers",
            "2",
            "--out",
            str(tmp_path),
        ],
        stdout=psutil.subprocess.DEVNULL,
        stderr=psutil.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not store_path.exists() or not ResultStore(store_path).done_keys():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.2)

        workers = _worker_processes(process)
        assert workers, "no Dask worker process found"
        workers[0].send_signal(signal.SIGKILL)

        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr.decode()
    finally:
        if process.poll() is None:
            process.kill()

    runs = ResultStore(store_path).to_frame()
    assert (
        set(map(tuple, runs[["dataset", "method", "seed", "split"]].values)) == EXPECTED
    )
    assert len(runs) == len(EXPECTED)
