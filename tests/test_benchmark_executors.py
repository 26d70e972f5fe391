"""Executors: every task result comes back once, also when a worker dies."""

import functools
import os
import signal
from pathlib import Path

import pytest

from skaug.benchmark._executors import LocalExecutor, SerialExecutor, make_executor


def _double(task):
    return 2 * task


def _die_once(task, marker_folder):
    """Kill the worker the first time task 3 runs, then succeed."""
    marker = Path(marker_folder) / "died"
    if task == 3 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return 2 * task


def _always_die(task):
    os.kill(os.getpid(), signal.SIGKILL)


def test_serial_executor_results():
    results = dict(SerialExecutor().imap_unordered(_double, range(5)))
    assert results == {task: 2 * task for task in range(5)}


def test_local_executor_results():
    results = dict(LocalExecutor(2).imap_unordered(_double, range(6)))
    assert results == {task: 2 * task for task in range(6)}


def test_local_executor_retries_dead_worker(tmp_path):
    task = functools.partial(_die_once, marker_folder=str(tmp_path))
    pairs = list(LocalExecutor(2).imap_unordered(task, range(6)))

    assert (tmp_path / "died").exists()
    assert sorted(task for task, _ in pairs) == list(range(6))
    assert dict(pairs) == {task: 2 * task for task in range(6)}


def test_local_executor_gives_up_eventually():
    with pytest.raises(RuntimeError, match="Worker processes died 3 times"):
        list(LocalExecutor(1).imap_unordered(_always_die, range(2)))


def test_make_executor_choice():
    assert isinstance(make_executor(jobs=1), SerialExecutor)
    assert isinstance(make_executor(jobs=3), LocalExecutor)
    assert make_executor(jobs=3).n_workers == 3
