"""SQLite store of finished benchmark runs.

Why SQLite: each finished run is one committed transaction, so a run killed at any
moment (SIGKILL included) leaves every earlier result intact and never a half row. The
primary key (dataset, method, seed, split) makes a resumed benchmark skip finished runs
and makes duplicates impossible; and it is one file in the Python standard library,
readable by pandas. Only the coordinating process writes, so there is no writer
contention even when runs execute on a Dask cluster.
"""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd

__all__ = ["ResultStore", "ConfigMismatchError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    dataset TEXT NOT NULL,
    method TEXT NOT NULL,
    seed INTEGER NOT NULL,
    split INTEGER NOT NULL,
    weighted_f1 REAL NOT NULL,
    accuracy REAL NOT NULL,
    per_class_f1 TEXT NOT NULL,
    fit_time_s REAL NOT NULL,
    n_epochs INTEGER NOT NULL,
    worker TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (dataset, method, seed, split)
);
CREATE TABLE IF NOT EXISTS config (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class ConfigMismatchError(ValueError):
    """Raised when a results folder was filled with another benchmark configuration."""


class ResultStore:
    """Append-only store of benchmark runs in one SQLite file.

    Parameters
    ----------
    path : str or pathlib.Path
        The database file, created with its folder when missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.executescript(_SCHEMA)

    def _connect(self):
        connection = sqlite3.connect(self.path, timeout=60)
        # WAL keeps readers (a report built while runs finish) off the writer's lock.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def check_config(self, config):
        """Store the configuration, and reject a different one once runs are stored.

        Parameters
        ----------
        config : dict
            JSON-serialisable settings that change the scores (data, epochs, batch
            size...). The number of seeds and the list of methods may grow between
            runs, so they do not belong here.

        Raises
        ------
        ConfigMismatchError
            If the store already contains runs made with other settings.
        """
        requested = {
            key: json.dumps(value, sort_keys=True) for key, value in config.items()
        }
        with closing(self._connect()) as connection, connection:
            stored = dict(connection.execute("SELECT key, value FROM config"))
            (n_runs,) = connection.execute("SELECT COUNT(*) FROM runs").fetchone()
            if n_runs == 0:
                # No result depends on the old settings, so the new ones replace them.
                connection.execute("DELETE FROM config")
                connection.executemany(
                    "INSERT INTO config VALUES (?, ?)", requested.items()
                )
                return

        changed = sorted(
            key
            for key in stored.keys() | requested.keys()
            if stored.get(key) != requested.get(key)
        )
        if changed:
            details = ", ".join(
                f"{key}: stored {stored.get(key)}, requested {requested.get(key)}"
                for key in changed
            )
            raise ConfigMismatchError(
                f"The results in {self.path} were made with other settings "
                f"({details}). Use another --out folder, or rerun with the stored "
                "settings to resume."
            )

    def done_keys(self):
        """Return the set of finished (dataset, method, seed, split) keys."""
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT dataset, method, seed, split FROM runs")
            return {tuple(row) for row in rows}

    def add(self, result):
        """Write one finished run in its own transaction.

        A key that is already stored is left as it is, so a run retried after a lost
        acknowledgement never creates a second row.

        Parameters
        ----------
        result : dict
            Keys ``dataset``, ``method``, ``seed``, ``split``, ``weighted_f1``,
            ``accuracy``, ``per_class_f1`` (dict class -> F1), ``fit_time_s``,
            ``n_epochs`` and ``worker``.
        """
        row = (
            result["dataset"],
            result["method"],
            int(result["seed"]),
            int(result["split"]),
            float(result["weighted_f1"]),
            float(result["accuracy"]),
            json.dumps(result["per_class_f1"], sort_keys=True),
            float(result["fit_time_s"]),
            int(result["n_epochs"]),
            str(result["worker"]),
        )
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR IGNORE INTO runs (dataset, method, seed, split, weighted_f1,"
                " accuracy, per_class_f1, fit_time_s, n_epochs, worker)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def to_frame(self):
        """Return all runs as a DataFrame, one ``f1_<class>`` column per class."""
        with closing(self._connect()) as connection:
            runs = pd.read_sql_query(
                "SELECT * FROM runs ORDER BY dataset, split, method, seed", connection
            )
        if runs.empty:
            return runs.drop(columns="per_class_f1")

        per_class = pd.DataFrame(
            [json.loads(text) for text in runs.pop("per_class_f1")]
        )
        per_class = per_class.reindex(sorted(per_class.columns), axis=1)
        per_class.columns = [f"f1_{name}" for name in per_class.columns]
        return pd.concat([runs, per_class], axis=1)
