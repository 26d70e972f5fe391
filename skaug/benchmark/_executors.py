"""Executors that run benchmark tasks in this process, in local workers or on Dask.

Every executor has one method, ``imap_unordered(function, tasks)``, which yields
``(task, result)`` pairs as runs finish. The benchmark loop is the same for all of them,
and only the coordinating process writes results.
"""

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

__all__ = ["DaskExecutor", "LocalExecutor", "SerialExecutor", "make_executor"]

logger = logging.getLogger(__name__)

MAX_RETRIES = 2


class SerialExecutor:
    """Run tasks one after another in this process."""

    n_workers = 1

    def imap_unordered(self, function, tasks):
        for task in tasks:
            yield task, function(task)

    def close(self):
        pass


class LocalExecutor:
    """Run tasks in ``n_workers`` local processes, retrying those of a dead worker.

    Parameters
    ----------
    n_workers : int
        Number of worker processes, started with the "spawn" method so that no torch
        state is inherited.
    """

    def __init__(self, n_workers):
        self.n_workers = n_workers
        self._context = multiprocessing.get_context("spawn")

    def imap_unordered(self, function, tasks):
        remaining = list(tasks)
        failures_without_progress = 0
        while remaining:
            pool = ProcessPoolExecutor(self.n_workers, mp_context=self._context)
            futures = {pool.submit(function, task): task for task in remaining}
            try:
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        break
                    remaining.remove(futures[future])
                    failures_without_progress = 0
                    yield futures[future], result
            finally:
                pool.shutdown(wait=False, cancel_futures=True)

            if remaining:
                failures_without_progress += 1
                if failures_without_progress > MAX_RETRIES:
                    raise RuntimeError(
                        f"Worker processes died {failures_without_progress} times in a "
                        f"row with {len(remaining)} runs left. Check memory use, or "
                        "rerun with --jobs 1 to see the error in this process."
                    )
                logger.warning(
                    "A worker process died; restarting the pool and retrying the %d "
                    "unfinished runs.",
                    len(remaining),
                )

    def close(self):
        pass


class DaskExecutor:
    """Run tasks on a Dask cluster, new (LocalCluster) or existing (scheduler address).

    Dask reruns the task of a worker that dies (up to its ``allowed-failures`` setting),
    and each task is also submitted with ``retries`` for errors raised inside it.

    Parameters
    ----------
    n_workers : int, default=None
        Start a LocalCluster of that many single-threaded worker processes.
    scheduler : str, default=None
        Address of an existing scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    """

    def __init__(self, n_workers=None, scheduler=None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError(
                "Dask execution needs the 'distributed' package: "
                "pip install 'skaug[cluster]'."
            ) from exc

        if scheduler is not None:
            self.cluster = None
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client = Client(self.cluster)
        self.n_workers = max(1, len(self.client.scheduler_info()["workers"]))
        logger.info("Dask client connected: %s", self.client)

    def imap_unordered(self, function, tasks):
        from distributed import as_completed

        futures = {}
        for task in tasks:
            future = self.client.submit(function, task, pure=False, retries=MAX_RETRIES)
            futures[future] = task
        for future in as_completed(futures):
            yield futures[future], future.result()

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(jobs=1, dask_workers=None, scheduler=None):
    """Return the executor chosen by the command-line options."""
    if scheduler is not None or dask_workers is not None:
        return DaskExecutor(n_workers=dask_workers, scheduler=scheduler)
    if jobs == 1:
        return SerialExecutor()
    return LocalExecutor(jobs)
