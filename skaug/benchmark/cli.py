"""Command line of the benchmark: ``skaug-bench`` and ``benchmarks/mirage19.py``."""

import argparse
import logging
import os
import shlex
import sys

from ._protocol import DATASETS, StudyConfig, study_methods

__all__ = ["build_parser", "main"]

logger = logging.getLogger("skaug.benchmark")

# Seeds per dataset when --seeds is not given: the published study used 30 seeds,
# the small built-in data sets fewer so that the first run ends in minutes.
DEFAULT_SEEDS = {"synthetic": 3, "certta": 5, "pcap": 5, "mirage19": 30, "mirage22": 30}
DEFAULT_MAX_EPOCHS = {"synthetic": 15}
DEFAULT_TEST_SIZE = {"synthetic": 0.2, "certta": 0.2, "pcap": 0.2}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Append "(default: ...)" only where the help text does not state the default."""

    def _get_help_string(self, action):
        states_default = "default" in (action.help or "")
        if states_default or action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def build_parser(prog=None):
    """Return the argument parser of the benchmark."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Train the study's methods (two baselines, every augmentation and their "
            "stack) over several seeds, then rank them with the Friedman and Nemenyi "
            "tests. Finished runs are stored at once; rerun the same command to resume."
        ),
        formatter_class=_HelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        choices=DATASETS,
        default="synthetic",
        help="source of the flows; 'synthetic' needs no file",
    )
    data.add_argument(
        "--data",
        metavar="PATH",
        help="folder or archive of the data set (not for 'synthetic')",
    )
    data.add_argument(
        "--split",
        type=int,
        default=0,
        help="index of the train/test split (MIRAGE: the study's 0-4)",
    )
    data.add_argument(
        "--n-packets", type=int, default=20, help="first packets kept per flow"
    )
    data.add_argument(
        "--n-flows", type=int, default=3000, help="flows generated for 'synthetic'"
    )
    data.add_argument(
        "--test-size",
        type=float,
        default=None,
        help="fraction of flows held out for testing (default 0.2; the "
        "MIRAGE data sets always use the study's 10%% split)",
    )

    study = parser.add_argument_group("study")
    study.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="number of seeds per method, run as seeds 0..N-1 (default: "
        "30 for MIRAGE, 5 for certta and pcap, 3 for synthetic)",
    )
    study.add_argument(
        "--augmentations",
        metavar="NAME,...",
        help="comma-separated augmentations to compare (default: all)",
    )
    study.add_argument(
        "--no-stack",
        action="store_true",
        help="leave out the stack of all augmentations",
    )
    study.add_argument(
        "--stack-p",
        type=float,
        default=0.7,
        help="probability of applying each augmentation of the stack",
    )
    study.add_argument(
        "--policy",
        choices=("inject", "replace"),
        default="inject",
        help="inject: each batch of B flows gets B augmented copies; "
        "replace: flows are replaced by their augmented copies",
    )
    study.add_argument(
        "--replace-p",
        type=float,
        default=0.5,
        help="probability that a flow is replaced (replace policy)",
    )
    study.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="batch size B of augmented methods; baselines use 2B",
    )
    study.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="epoch limit, with early stopping on validation loss "
        "(default 50; 15 for synthetic)",
    )

    run = parser.add_argument_group("execution and output")
    run.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder for results.sqlite, results.csv, cd.png, cd.svg, "
        "summary.md and report.md (default: results/<dataset>)",
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="local worker processes, each training one run on one torch thread "
        "(default: the number of cores)",
    )
    run.add_argument(
        "--dask-workers",
        type=int,
        default=None,
        metavar="N",
        help="start a Dask LocalCluster with N single-threaded workers",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="join an existing Dask cluster, e.g. tcp://host:8786",
    )
    run.add_argument("--quiet", action="store_true", help="hide the progress bar")
    return parser


def _check_arguments(parser, args):
    positive = {
        "--seeds": args.seeds,
        "--n-packets": args.n_packets,
        "--n-flows": args.n_flows,
        "--batch-size": args.batch_size,
        "--max-epochs": args.max_epochs,
        "--jobs": args.jobs,
        "--dask-workers": args.dask_workers,
    }
    for option, value in positive.items():
        if value is not None and value < 1:
            parser.error(f"{option} must be >= 1, got {value}.")
    if args.split < 0:
        parser.error(f"--split must be >= 0, got {args.split}.")
    for option, value in {
        "--stack-p": args.stack_p,
        "--replace-p": args.replace_p,
    }.items():
        if not 0 <= value <= 1:
            parser.error(f"{option} must be a probability in [0, 1], got {value}.")
    if args.test_size is not None and not 0 < args.test_size < 1:
        parser.error(f"--test-size must be in (0, 1), got {args.test_size}.")
    if args.data is not None and not os.path.exists(args.data):
        parser.error(
            f"--data {args.data} not found. Pass the folder or archive of the data set."
        )
    if args.augmentations is not None and not args.augmentations.strip(" ,"):
        parser.error(
            "--augmentations is empty. Name at least one augmentation, or leave "
            "the option out to run all of them."
        )
    if args.dataset == "synthetic" and args.data is not None:
        parser.error(
            "--data is not used with --dataset synthetic, which generates its flows. "
            "Pass --dataset certta, mirage19, mirage22 or pcap to read --data."
        )
    if args.dataset != "synthetic" and args.data is None:
        parser.error(
            f"--dataset {args.dataset} needs --data PATH, the folder or "
            "archive of the data set."
        )
    if args.dask_workers is not None and args.scheduler is not None:
        parser.error(
            "Use either --dask-workers (a new local cluster) or --scheduler "
            "(an existing cluster), not both."
        )


def main(argv=None, prog=None):
    """Run the benchmark from the command line; return the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    _check_arguments(parser, args)
    if args.out is None:
        args.out = os.path.join("results", args.dataset)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )

    augmentations = None
    if args.augmentations:
        augmentations = [name.strip() for name in args.augmentations.split(",")]
        augmentations = [name for name in augmentations if name]
    try:
        methods = study_methods(augmentations, stack=not args.no_stack)
    except ValueError as exc:
        parser.error(str(exc))
    augmentations = [m for m in methods[2:] if m != "Stack"]

    config = StudyConfig(
        dataset=args.dataset,
        data=args.data,
        n_packets=args.n_packets,
        n_flows=args.n_flows if args.dataset == "synthetic" else 0,
        test_size=args.test_size or DEFAULT_TEST_SIZE.get(args.dataset, 0.1),
        batch_size=args.batch_size,
        max_epochs=args.max_epochs or DEFAULT_MAX_EPOCHS.get(args.dataset, 50),
        policy=args.policy,
        replace_p=args.replace_p,
        stack_p=args.stack_p,
    )
    seeds = list(range(args.seeds or DEFAULT_SEEDS[args.dataset]))
    arguments = sys.argv[1:] if argv is None else argv
    command = f"{parser.prog} {shlex.join(arguments)}".strip()

    from ._runner import run_benchmark
    from ._store import ConfigMismatchError

    try:
        run_benchmark(
            config,
            methods,
            augmentations,
            seeds=seeds,
            split=args.split,
            out=args.out,
            jobs=args.jobs,
            dask_workers=args.dask_workers,
            scheduler=args.scheduler,
            command=command,
            progress=not args.quiet,
        )
    except ConfigMismatchError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    except (OSError, ValueError) as exc:
        logger.debug("Loading the data failed.", exc_info=True)
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    except KeyboardInterrupt:
        logger.warning(
            "Interrupted: finished runs are kept in %s; rerun the same "
            "command to resume.",
            args.out,
        )
        return 130
    logger.info(
        "Results written to %s (report.md, report.html, results.csv, cd.png).", args.out
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
