"""Writer of small MIRAGE-format folders that exercise every curation rule.

The files follow the MIRAGE labeled-biflows schema: one JSON object per capture, keyed
by ``"src_ip,src_port,dst_ip,dst_port,proto"``, each flow with ``packet_data`` lists,
nested ``flow_features`` and flat ``flow_metadata``. The returned manifest lists every
written flow with what the curation should do to it, so tests compare the loader with
an independent expectation.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

DEVICES = ("Nexus7_device", "RedmiNote_device")

# Valid flows (11 or more payload packets) per app. 101 and 100 sit on both sides of
# the class rule "more than 100 flows".
APP_FLOWS = {
    "com.big.app": 101,
    "com.edge.app": 100,
    "com.third.app": 150,
}
# Flows per device in the captures whose app is "None", all labelled "None": enough
# for a class of more than 100 flows if the "None" rule were missing.
NONE_FLOWS_PER_DEVICE = 60
FILES_PER_APP_AND_DEVICE = 2
OTHER_LABEL = "com.google.android.gms"


def file_name(app, year, index):
    """Return the MIRAGE file name of capture ``index`` of ``app``."""
    return (
        f"{1550000000 + index}_{app}_MIRAGE-{year}_traffic_dataset_labeled_biflows.json"
    )


def write_mirage(root, *, year=2019, seed=0):
    """Write a two-device MIRAGE folder under ``root`` and return its manifest.

    Each app file holds, besides its valid flows: flows with exactly 10 payload
    packets (some with ACKs inside), a flow with exactly 11 payload packets and ACKs
    at the start and inside, and background flows labelled with another app. For
    ``year=2022`` each app file also contains flows whose ``BF_activity`` is
    ``"Unknown"``, and packet_data carries the MIRAGE-2022 extra fields.

    Parameters
    ----------
    root : str or path-like
        Folder to write into; the two device subfolders are created.
    year : {2019, 2022}, default=2019
    seed : int, default=0

    Returns
    -------
    manifest : pandas.DataFrame
        One row per written flow: ``device``, ``file``, ``flow_id``, ``app`` (from
        the file name), ``bf_label``, ``activity``, ``n_total`` and ``n_payload``
        packets, ``background`` and ``expected_kept`` (before the class rule).
    """
    rng = np.random.default_rng(seed)
    root = Path(root)
    rows = []
    index = 0

    for app, n_valid in APP_FLOWS.items():
        n_files = len(DEVICES) * FILES_PER_APP_AND_DEVICE
        shares = np.full(n_files, n_valid // n_files)
        shares[: n_valid % n_files] += 1
        for file_number, n_file_valid in enumerate(shares):
            device = DEVICES[file_number % len(DEVICES)]
            specs = _app_file_specs(app, int(n_file_valid), year, file_number)
            rows += _write_file(
                root, device, file_name(app, year, index), specs, year, rng
            )
            index += 1

    for device in DEVICES:
        specs = [
            ("None", "Video", 12 + i % 10, i % 3) for i in range(NONE_FLOWS_PER_DEVICE)
        ]
        rows += _write_file(
            root, device, file_name("None", year, index), specs, year, rng
        )
        index += 1

    manifest = pd.DataFrame(rows)
    manifest["expected_kept"] = ~manifest["background"] & (manifest["n_payload"] >= 11)
    return manifest


def _app_file_specs(app, n_valid, year, file_number):
    """List (label, activity, n_payload, n_acks) of the flows of one app file."""
    specs = [(app, "Chat", 11, 3)]
    specs += [(app, "Chat", 12 + (i * 7) % 21, i % 4) for i in range(n_valid - 1)]
    # Exactly 10 payload packets: with ACKs at the start and inside, and without.
    specs += [(app, "Chat", 10, 4), (app, "Chat", 10, 0), (app, "Chat", 3, 2)]
    specs += [(OTHER_LABEL, "Chat", 20, 1), (OTHER_LABEL, "Chat", 25, 0)]
    if year == 2022:
        specs += [(app, "Unknown", 20, 1), (app, "Unknown", 15, 2)]
    return specs


def _write_file(root, device, name, specs, year, rng):
    folder = root / device
    folder.mkdir(parents=True, exist_ok=True)
    flows, rows = {}, []
    app = name.split("_")[1]
    for number, (label, activity, n_payload, n_acks) in enumerate(specs):
        flow_id = f"192.168.20.{10 + number % 200},{40000 + number},31.13.86.4,443,6"
        flows[flow_id] = make_flow(rng, label, activity, n_payload, n_acks, year)
        background = (
            app == "None" or label != app or (year == 2022 and activity == "Unknown")
        )
        rows.append(
            {
                "device": device,
                "file": name,
                "flow_id": flow_id,
                "app": app,
                "bf_label": label,
                "activity": activity,
                "n_total": n_payload + n_acks,
                "n_payload": n_payload,
                "background": background,
            }
        )
    (folder / name).write_text(json.dumps(flows))
    return rows


def make_flow(rng, label, activity, n_payload, n_acks, year=2019):
    """Return one MIRAGE flow object with ``n_acks`` zero-payload packets."""
    n_total = n_payload + n_acks
    payload = rng.integers(1, 1461, n_total)
    if n_acks:
        # The first ACK sits at the start, like the handshake's, the others inside.
        inside = rng.choice(np.arange(1, n_total), n_acks - 1, replace=False)
        payload[np.concatenate(([0], inside)).astype(int)] = 0
    directions = rng.integers(0, 2, n_total)
    iats = np.round(rng.lognormal(-5.0, 2.0, n_total), 6)
    iats[0] = 0.0

    packet_data = {
        "src_port": [40000] * n_total,
        "dst_port": [443] * n_total,
        "packet_dir": directions.tolist(),
        "L4_payload_bytes": payload.tolist(),
        "iat": iats.tolist(),
        "TCP_win_size": rng.integers(0, 65536, n_total).tolist(),
        "L4_raw_payload": [
            [int(b) for b in rng.integers(0, 256, min(int(p), 4))] for p in payload
        ],
    }
    metadata = {
        "BF_label": label,
        "BF_labeling_type": "exact",
        "BF_num_packets": n_total,
        "BF_L4_payload_bytes": int(payload.sum()),
        "BF_duration": float(iats.sum()),
    }
    if year == 2022:
        times = 1650000000.0 + np.cumsum(iats)
        packet_data["timestamp"] = times.tolist()
        packet_data["IP_packet_bytes"] = (payload + 52).tolist()
        packet_data["TCP_flags"] = ["---A----"] * n_total
        metadata["BF_activity"] = activity
    stats = {"min": 0.0, "max": 1.0, "mean": 0.5, "std": 0.1}
    features = {
        feature: {
            part: dict(stats) for part in ("biflow", "upstream_flow", "downstream_flow")
        }
        for feature in ("packet_length", "iat")
    }
    return {
        "packet_data": packet_data,
        "flow_features": features,
        "flow_metadata": metadata,
    }


def expected_flow(flow):
    """Curate one flow object with plain Python: payload sizes, directions, IATs.

    This is a second, loop-based implementation of the ACK removal and IAT
    recomputation, to check the vectorised loader against.
    """
    packets = flow["packet_data"]
    sizes, directions, iats = [], [], []
    time = 0.0
    last_time = None
    for size, direction, iat in zip(
        packets["L4_payload_bytes"], packets["packet_dir"], packets["iat"]
    ):
        time += iat
        if size == 0:
            continue
        sizes.append(size)
        directions.append(1 if direction == 0 else -1)
        iats.append(0.0 if last_time is None else time - last_time)
        last_time = time
    return sizes, directions, iats
