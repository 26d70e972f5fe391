"""Tests of the results store: atomic rows, no duplicates, configuration guard."""

import multiprocessing
import os
import signal

import pytest

from skaug.benchmark import ConfigMismatchError, ResultStore


def _result(method="No Aug", seed=0, f1=0.5):
    return {
        "dataset": "synthetic",
        "method": method,
        "seed": seed,
        "split": 0,
        "weighted_f1": f1,
        "accuracy": f1,
        "per_class_f1": {"app_0": f1, "app_1": 1 - f1},
        "fit_time_s": 1.0,
        "n_epochs": 3,
        "worker": "test",
    }


def test_store_add_and_read(tmp_path):
    store = ResultStore(tmp_path / "runs.sqlite")
    store.add(_result(seed=0, f1=0.25))
    store.add(_result(seed=1, f1=0.75))

    runs = store.to_frame()
    assert len(runs) == 2
    assert store.done_keys() == {
        ("synthetic", "No Aug", 0, 0),
        ("synthetic", "No Aug", 1, 0),
    }
    assert runs["f1_app_0"].tolist() == [0.25, 0.75]
    assert runs["f1_app_1"].tolist() == [0.75, 0.25]


def test_store_ignores_duplicate_key(tmp_path):
    store = ResultStore(tmp_path / "runs.sqlite")
    store.add(_result(f1=0.25))
    store.add(_result(f1=0.99))

    runs = store.to_frame()
    assert len(runs) == 1
    assert runs["weighted_f1"].item() == 0.25


def test_store_survives_reopen(tmp_path):
    ResultStore(tmp_path / "runs.sqlite").add(_result())
    assert len(ResultStore(tmp_path / "runs.sqlite").to_frame()) == 1


def test_store_empty_frame(tmp_path):
    runs = ResultStore(tmp_path / "runs.sqlite").to_frame()
    assert runs.empty
    assert "per_class_f1" not in runs.columns


def test_config_mismatch_rejected(tmp_path):
    store = ResultStore(tmp_path / "runs.sqlite")
    store.check_config({"max_epochs": 5, "dataset": "synthetic"})
    store.add(_result())
    store.check_config({"max_epochs": 5, "dataset": "synthetic"})

    with pytest.raises(ConfigMismatchError, match="max_epochs: stored 5, requested 9"):
        store.check_config({"max_epochs": 9, "dataset": "synthetic"})


def test_config_replaced_while_empty(tmp_path):
    store = ResultStore(tmp_path / "runs.sqlite")
    store.check_config({"max_epochs": 5})
    store.check_config({"max_epochs": 9})
    store.add(_result())

    with pytest.raises(ConfigMismatchError, match="stored 9, requested 5"):
        store.check_config({"max_epochs": 5})


def _write_forever(path):
    store = ResultStore(path)
    seed = 0
    while True:
        store.add(_result(seed=seed))
        seed += 1


def test_store_sigkill_keeps_committed_rows(tmp_path):
    path = tmp_path / "runs.sqlite"
    ResultStore(path)
    process = multiprocessing.get_context("spawn").Process(
        target=_write_forever, args=(path,)
    )
    process.start()
    try:
        while len(ResultStore(path).done_keys()) < 20:
            pass
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.join()

    runs = ResultStore(path).to_frame()
    assert len(runs) >= 20
    assert sorted(runs["seed"]) == list(range(len(runs)))
    assert runs["weighted_f1"].notna().all()
