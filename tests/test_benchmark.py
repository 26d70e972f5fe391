"""End-to-end tests of the benchmark: outputs, resume after kills, Dask workers."""

import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from _benchmark_helpers import SCRIPT, TINY, TINY_METHODS, expected_keys

from skaug.benchmark import ResultStore
from skaug.benchmark.cli import main


def _run_script(args, **kwargs):
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        **kwargs,
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert main([*TINY, "--out", str(out)]) == 0
    return out


def test_outputs_written(reference):
    for name in (
        "results.csv",
        "cd.png",
        "cd.svg",
        "summary.md",
        "report.md",
        "report.html",
        "per_class_f1.png",
        "results.sqlite",
    ):
        assert (reference / name).is_file(), name

    results = pd.read_csv(reference / "results.csv")
    assert set(results["method"]) == TINY_METHODS
    assert sorted(results["seed"].unique()) == [0, 1]
    assert results["weighted_f1"].between(0, 1).all()
    assert any(column.startswith("f1_app_") for column in results.columns)

    summary = (reference / "summary.md").read_text()
    assert "No Aug" in summary
    assert "critical difference" in summary

    report = (reference / "report.md").read_text()
    assert "![critical difference chart](cd.png)" in report
    assert "--n-flows 300" in report
    assert "torch" in report

    page = (reference / "report.html").read_text()
    assert '<img src="cd.png"' in page
    assert "<table" in page
    assert page.count("<h2>") == report.count("\n## ")


def test_rerun_reproduces_scores(reference, tmp_path):
    assert main([*TINY, "--out", str(tmp_path)]) == 0
    first = pd.read_csv(reference / "results.csv").set_index(["method", "seed"])
    second = pd.read_csv(tmp_path / "results.csv").set_index(["method", "seed"])
    pd.testing.assert_series_equal(
        first["weighted_f1"].sort_index(), second["weighted_f1"].sort_index()
    )


def test_rerun_skips_finished_runs(reference, tmp_path):
    store_path = tmp_path / "results.sqlite"
    assert main([*TINY, "--out", str(tmp_path)]) == 0
    before = ResultStore(store_path).to_frame().set_index(["method", "seed"])

    more_seeds = [*TINY, "--seeds", "3"]
    assert main([*more_seeds, "--out", str(tmp_path)]) == 0
    after = ResultStore(store_path).to_frame().set_index(["method", "seed"])

    assert len(after) == len(TINY_METHODS) * 3
    assert after.index.is_unique
    kept = after.loc[before.index]
    assert (kept["finished_at"] == before["finished_at"]).all()


def test_changed_settings_rejected(reference):
    changed = [*TINY, "--max-epochs", "3", "--out", str(reference)]
    with pytest.raises(SystemExit) as error:
        main(changed)
    assert error.value.code == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--dataset", "certta"], "needs --data PATH"),
        (["--augmentations", "Jiter"], "Unknown augmentation name"),
        (["--stack-p", "1.5"], "--stack-p must be a probability"),
        (["--augmentations", " , "], "--augmentations is empty"),
        (["--data", "."], "--data is not used with --dataset synthetic"),
        (["--dataset", "certta", "--data", "/nonexistent/flows"], "not found"),
        (["--dask-workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    ],
)
def test_bad_arguments_exit_with_message(args, message, capsys):
    with pytest.raises(SystemExit) as error:
        main(args)
    assert error.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_data_folder_exits_cleanly(tmp_path, capsys):
    args = ["--dataset", "certta", "--data", str(tmp_path), "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as error:
        main([*args, "--quiet"])
    assert error.value.code == 2
    assert "CertTA folder" in capsys.readouterr().err

    # The failed attempt stored no run, so other settings may use the folder.
    assert main([*TINY, "--out", str(tmp_path)]) == 0


def test_report_covers_requested_methods(reference, tmp_path):
    assert main([*TINY, "--out", str(tmp_path)]) == 0
    fewer = [*TINY, "--augmentations", "Jitter", "--out", str(tmp_path)]
    assert main(fewer) == 0

    report = (tmp_path / "report.md").read_text()
    assert "8 runs, 2 seeds, 3 methods" not in report
    assert "6 runs, 2 seeds, 3 methods" in report
    assert "2 more runs" in report
    assert len(pd.read_csv(tmp_path / "results.csv")) == 8


def test_sigkill_then_resume(reference, tmp_path):
    expected = expected_keys()
    store_path = tmp_path / "results.sqlite"
    rng = random.Random(0)

    # Kill at five moments spread over start-up, training and report writing.
    for delay in sorted(rng.uniform(0.5, 12.0) for _ in range(5)):
        process = _run_script([*TINY, "--out", str(tmp_path)])
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if store_path.exists():
            keys = ResultStore(store_path).done_keys()
            assert keys <= expected

    process = _run_script([*TINY, "--out", str(tmp_path)])
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()

    runs = ResultStore(store_path).to_frame()
    assert (
        set(map(tuple, runs[["dataset", "method", "seed", "split"]].values)) == expected
    )
    assert len(runs) == len(expected)

    reference_f1 = pd.read_csv(reference / "results.csv").set_index(["method", "seed"])
    resumed_f1 = runs.set_index(["method", "seed"])
    pd.testing.assert_series_equal(
        reference_f1["weighted_f1"].sort_index(),
        resumed_f1["weighted_f1"].sort_index(),
    )


def test_local_jobs_match_serial(reference, tmp_path):
    assert main([*TINY, "--jobs", "2", "--out", str(tmp_path)]) == 0
    serial = pd.read_csv(reference / "results.csv").set_index(["method", "seed"])
    parallel = pd.read_csv(tmp_path / "results.csv").set_index(["method", "seed"])
    pd.testing.assert_series_equal(
        serial["weighted_f1"].sort_index(), parallel["weighted_f1"].sort_index()
    )
    assert not parallel["worker"].str.endswith(f":{os.getpid()}").any()
