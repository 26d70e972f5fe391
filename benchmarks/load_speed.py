"""Measure how fast load_mirage19 reads a MIRAGE-2019-sized folder.

The script writes a synthetic folder in the MIRAGE-2019 layout. By default it has
122,000 flows over 1,642 files on two devices, 1 to 32 packets per flow, and the
``flow_features`` and ``flow_metadata`` objects of the real files. The script then
times in fresh subprocesses:

- ``skaug``: :func:`skaug.datasets.load_mirage19`;
- ``json+pandas``: ``json.load`` on each file, a DataFrame of flows with list
  columns, and the same curation done with pandas (explode, filter, group).

It reports flows read per second (wall and CPU time) and the peak resident memory of
each subprocess, and writes them with the machine and the command into the
"## Loading speed" section of ``docs/performance.md``.

Run from the repository root::

    python benchmarks/load_speed.py
"""

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "performance.md"
SECTION = "## Loading speed"
HEADER = (
    "| method | wall time (s) | CPU time (s) | flows/s (wall) | flows/s (CPU) "
    "| flows kept | peak memory (MB) |\n|---|---|---|---|---|---|---|"
)
SUFFIX = "MIRAGE-2019_traffic_dataset_labeled_biflows.json"
DEVICES = ("Nexus5_device", "Nexus7_device")
APPS = [f"com.example.app{k:02d}" for k in range(20)]
STATISTICS = ("min", "max", "mean", "std", "var", "mad", "skew", "kurtosis")
PERCENTILES = tuple(
    f"percentile_{p}" for p in (10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90)
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=122_000, help="flows in all")
    parser.add_argument("--files", type=int, default=1_642, help="JSON files")
    parser.add_argument(
        "--payload-bytes",
        type=int,
        default=0,
        help="bytes of L4_raw_payload written per packet (the real files hold the "
        "payload; 0 writes empty lists)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator")
    parser.add_argument("--no-doc", action="store_true", help="do not edit the doc")
    parser.add_argument(
        "--child", nargs=2, metavar=("LOADER", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.child:
        run_child(*args.child)
        return

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        size = write_folder(
            Path(folder), args.flows, args.files, args.payload_bytes, args.seed
        )
        seconds = time.perf_counter() - start
        print(f"wrote {args.flows} flows, {size / 1e6:.0f} MB in {seconds:.0f} s")
        results = {
            loader: measure(loader, folder) for loader in ("skaug", "json+pandas")
        }

    if results["skaug"]["kept"] != results["json+pandas"]["kept"]:
        sys.exit(f"The two methods kept different numbers of flows: {results}")
    for loader, result in results.items():
        print(f"{loader}: {result}")
    if not args.no_doc:
        write_doc(results, args, size)


def write_folder(root, n_flows, n_files, payload_bytes, seed):
    """Write the synthetic MIRAGE-2019 folder; return its size in bytes."""
    rng = np.random.default_rng(seed)
    flows_per_file = rng.multinomial(n_flows, np.full(n_files, 1 / n_files))
    total = 0
    for index, count in enumerate(flows_per_file):
        device = DEVICES[index % 2]
        # About 1 capture in 25 belongs to no app, as MIRAGE's "None" files.
        app = "None" if index % 25 == 0 else APPS[index % len(APPS)]
        flows = {
            f"10.0.{index % 250}.{number % 250},{30000 + number},151.101.1.1,443,6": (
                make_flow(rng, app, payload_bytes)
            )
            for number in range(count)
        }
        folder = root / device
        folder.mkdir(exist_ok=True)
        text = json.dumps(flows)
        (folder / f"{1540000000 + index}_{app}_{SUFFIX}").write_text(text)
        total += len(text)
    return total


def make_flow(rng, app, payload_bytes):
    """Return one flow: 80% of app traffic, 1-32 packets, 30% of them ACKs."""
    n = int(min(32, max(1, rng.lognormal(3.0, 0.8))))
    payload = np.where(rng.random(n) < 0.3, 0, rng.integers(1, 1449, n))
    iats = np.round(rng.lognormal(-4.5, 2.0, n), 6)
    iats[0] = 0.0
    label = app if rng.random() < 0.8 else "com.google.android.gms"
    raw = [[7] * min(int(p), payload_bytes) for p in payload]
    features = {
        feature: {
            part: {name: float(rng.random()) for name in STATISTICS + PERCENTILES}
            for part in ("biflow", "upstream_flow", "downstream_flow")
        }
        for feature in ("packet_length", "iat")
    }
    return {
        "packet_data": {
            "src_port": [30000] * n,
            "dst_port": [443] * n,
            "packet_dir": rng.integers(0, 2, n).tolist(),
            "L4_payload_bytes": payload.tolist(),
            "iat": iats.tolist(),
            "TCP_win_size": rng.integers(0, 65536, n).tolist(),
            "L4_raw_payload": raw,
        },
        "flow_features": features,
        "flow_metadata": {
            "BF_label": label,
            "BF_labeling_type": "exact",
            "BF_num_packets": n,
            "BF_IP_packet_bytes": int(payload.sum()) + 52 * n,
            "BF_L4_payload_bytes": int(payload.sum()),
            "BF_duration": float(iats.sum()),
        },
    }


def measure(loader, folder):
    """Run one loader in a fresh interpreter and return its measurements."""
    command = [sys.executable, __file__, "--child", loader, folder]
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def run_child(loader, folder):
    """Load the folder with one method and print its measurements as JSON."""
    import pandas  # noqa: F401 - both methods start with pandas imported

    from skaug.datasets import load_mirage19

    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if loader == "skaug":
        bunch = load_mirage19(folder)
        n_read, n_kept = bunch.curation["flows_read"], len(bunch.target)
    else:
        n_read, n_kept = load_with_pandas(folder)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)

    cpu_seconds = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    result = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "flows_read": n_read,
        "kept": n_kept,
        "flows_per_s": round(n_read / seconds),
        "flows_per_cpu_s": round(n_read / cpu_seconds),
        "peak_rss_mb": round(after.ru_maxrss / 1024),
        "rss_before_mb": round(before.ru_maxrss / 1024),
    }
    print(json.dumps(result))


def load_with_pandas(folder, n_packets=20):
    """Read and curate the folder with json and pandas; return flows read and kept."""
    import pandas as pd

    records = []
    for path in sorted(Path(folder).rglob(f"*_{SUFFIX}")):
        app = path.name.split("_")[1]
        with open(path) as stream:
            for flow_id, flow in json.load(stream).items():
                packets = flow["packet_data"]
                records.append(
                    {
                        "file": path.name,
                        "flow_id": flow_id,
                        "app": app,
                        "label": flow["flow_metadata"]["BF_label"],
                        "payload": packets["L4_payload_bytes"],
                        "direction": packets["packet_dir"],
                        "iat": packets["iat"],
                    }
                )
    flows = pd.DataFrame(records)
    n_read = len(flows)

    flows = flows[(flows["app"] != "None") & (flows["label"] == flows["app"])]
    flows = flows.reset_index(drop=True)
    channels = ["payload", "direction", "iat"]
    packets = flows[channels].explode(channels)
    packets = packets.astype({"payload": "int64", "direction": "int64", "iat": float})
    packets["flow"] = packets.index
    packets["time"] = packets.groupby("flow")["iat"].cumsum()
    packets = packets[packets["payload"] > 0].copy()
    packets["iat"] = packets.groupby("flow")["time"].diff().fillna(0.0)

    counts = packets.groupby("flow").size()
    long_flows = counts.index[counts >= 11]
    apps = flows.loc[long_flows, "app"]
    class_sizes = apps.value_counts()
    keep = long_flows[apps.isin(class_sizes.index[class_sizes >= 101])]

    packets = packets[packets["flow"].isin(keep)]
    packets["position"] = packets.groupby("flow").cumcount()
    packets = packets[packets["position"] < n_packets]
    row = pd.Series(np.arange(len(keep)), index=keep)[packets["flow"]].to_numpy()
    position = packets["position"].to_numpy()
    X = np.zeros((len(keep), 3, n_packets), dtype=np.float32)
    X[row, 0, position] = packets["payload"]
    X[row, 1, position] = 1 - 2 * packets["direction"]
    X[row, 2, position] = packets["iat"]
    return n_read, len(keep)


def machine():
    """Describe the CPU model, logical cores and Python version."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1).strip() if found else model
    return (
        f"{model}, {os.cpu_count()} logical cores, Python {platform.python_version()}"
    )


def write_doc(results, args, size):
    """Replace the loading speed section of docs/performance.md with the results."""
    try:
        import msgspec

        parser = f"msgspec {msgspec.__version__}"
    except ImportError:
        parser = "standard library json"
    command = (
        f"python benchmarks/load_speed.py --flows {args.flows} --files {args.files} "
        f"--payload-bytes {args.payload_bytes} --seed {args.seed}"
    )
    skaug = results["skaug"]
    rows = "\n".join(
        f"| {label} | {r['seconds']} | {r['cpu_seconds']} | {r['flows_per_s']:,} "
        f"| {r['flows_per_cpu_s']:,} | {r['kept']:,} | {r['peak_rss_mb']} |"
        for label, r in (
            (f"`skaug.datasets.load_mirage19` ({parser})", skaug),
            ("`json.load` per file + pandas curation", results["json+pandas"]),
        )
    )
    section = f"""{SECTION}

Command, from the repository root:

```
{command}
```

The script writes a synthetic folder in the MIRAGE-2019 layout: {args.flows:,} flows
over {args.files:,} JSON files on two devices, 1 to 32 packets per flow, with the
`flow_features` and `flow_metadata` objects of the real files and
{args.payload_bytes} bytes of `L4_raw_payload` per packet, {size / 1e6:.0f} MB of JSON
in all. It loads the folder in a fresh process with each method. Flows per second
count the flows read, before curation. Peak memory is the process's maximum resident
set size (`ru_maxrss`), interpreter and imports included ({skaug["rss_before_mb"]} MB
before loading). Both methods keep the same number of flows.

{HEADER}
{rows}

Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end of the
run. On a shared machine the wall times are indicative and the CPU times are the
steadier measure. The real MIRAGE-2019 files
also hold each packet's payload bytes in `L4_raw_payload`, so they are larger than
these files and take longer to parse. Pass `--payload-bytes` to measure that case.
"""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text.rstrip("\n") + "\n")
    print(f"wrote the '{SECTION}' section of {DOC}")


if __name__ == "__main__":
    main()
