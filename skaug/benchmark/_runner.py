"""The benchmark loop: plan the runs, skip finished ones, store each result at once."""

import functools
import logging
from pathlib import Path

from tqdm.auto import tqdm

from ._data import load_benchmark_data
from ._executors import make_executor
from ._protocol import RunSpec
from ._report import write_outputs
from ._run import execute_run
from ._store import ResultStore

__all__ = ["run_benchmark"]

logger = logging.getLogger(__name__)

STORE_NAME = "results.sqlite"


def run_benchmark(
    config,
    methods,
    augmentations,
    *,
    seeds,
    split=0,
    out="results",
    jobs=1,
    dask_workers=None,
    scheduler=None,
    command="",
    progress=True,
):
    """Run every (method, seed) of one split that the store does not hold yet.

    Each finished run is committed to ``out/results.sqlite`` before the next result
    is read, so an interrupted benchmark keeps what it finished and the same call
    resumes it. The CSV, the CD chart and the reports are then rebuilt from the store,
    also when the loop stops on an error or Ctrl-C.

    Parameters
    ----------
    config : StudyConfig
        Settings shared by all runs; a store filled with other settings is rejected.
    methods : list of str
        Methods to run, from :func:`study_methods`.
    augmentations : list of str
        The augmentations of the study, used to build "Stack".
    seeds : list of int
        Seeds to run for every method.
    split : int, default=0
        Index of the train/test split.
    out : str or pathlib.Path, default="results"
        Results folder.
    jobs : int, default=1
        Local worker processes (1 runs in this process). Each run uses one torch
        thread, so up to one job per core is useful.
    dask_workers : int, default=None
        Start a Dask LocalCluster with that many workers.
    scheduler : str, default=None
        Address of an existing Dask scheduler to join.
    command : str, default=""
        Command line recorded in the report.
    progress : bool, default=True
        Show a progress bar with the runs done and the time left.

    Returns
    -------
    runs : pandas.DataFrame
        Every run in the store.
    """
    out = Path(out)
    store = ResultStore(out / STORE_NAME)
    store.check_config(config.as_dict())

    planned = [
        RunSpec(config.dataset, method, seed, split)
        for seed in seeds
        for method in methods
    ]
    done = store.done_keys()
    todo = [spec for spec in planned if spec.key not in done]
    logger.info(
        "%d runs planned, %d already in %s, %d to run.",
        len(planned),
        len(planned) - len(todo),
        store.path,
        len(todo),
    )

    if todo:
        # Load once here, so that bad data fails at once with the loader's message
        # instead of inside every worker.
        load_benchmark_data(config, split)

    try:
        if todo:
            _execute(
                store,
                config,
                augmentations,
                todo,
                len(planned),
                progress,
                jobs=jobs,
                dask_workers=dask_workers,
                scheduler=scheduler,
            )
    finally:
        runs = store.to_frame()
        write_outputs(
            runs, out, methods=methods, command=command, settings=config.as_dict()
        )
    return runs


def _execute(store, config, augmentations, todo, n_planned, progress, **executor_args):
    executor = make_executor(**executor_args)
    # One torch thread per run: the thread count changes the order of floating-point
    # sums, so it must not depend on the machine for scores to be reproducible.
    # Parallelism comes from running several runs at once instead.
    task = functools.partial(
        _run_task, config=config, augmentations=tuple(augmentations), torch_threads=1
    )

    bar = tqdm(
        total=n_planned,
        initial=n_planned - len(todo),
        unit="run",
        disable=not progress,
        desc="benchmark",
    )
    try:
        for spec, result in executor.imap_unordered(task, todo):
            store.add(result)
            bar.set_postfix_str(f"{spec.method} seed {spec.seed}", refresh=False)
            bar.update()
    finally:
        bar.close()
        executor.close()


def _run_task(spec, config, augmentations, torch_threads):
    return execute_run(spec, config, list(augmentations), torch_threads=torch_threads)
