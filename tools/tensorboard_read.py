#!/usr/bin/env python3
"""Reads a run folder's TensorBoard log with TensorBoard's own loader, as its server does (the plugin event
accumulator, which turns legacy scalars and histograms into tensors via data_compat), and prints what it holds as
JSON: every scalar and histogram series by tag, with the plugin TensorBoard files it under. Used by the tests
(workers/engine/tensorboard-log.test.ts) when the Python running it has the `tensorboard` package; exits 3 when not.

    PYTHON tools/tensorboard_read.py RUN_DIR
"""

import json
import math
import sys

try:
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.util import tensor_util
except ImportError as err:
    print(f"tensorboard is not installed for {sys.executable}: {err}", file=sys.stderr)
    sys.exit(3)


def number(x):
    x = float(x)
    return x if math.isfinite(x) else str(x)


def main(run_dir):
    acc = pea.EventAccumulator(run_dir, size_guidance={pea.TENSORS: 0})
    acc.Reload()
    out = {"scalars": {}, "histograms": {}, "plugins": {}}
    for tag in acc.Tags()["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        out["plugins"][tag] = plugin
        series = []
        for e in acc.Tensors(tag):
            array = tensor_util.make_ndarray(e.tensor_proto)
            if plugin == "scalars":
                series.append([e.step, number(array.item())])
            else:  # histograms: rows of [left edge, right edge, count]
                series.append([e.step, [[number(v) for v in row] for row in array.tolist()]])
        out["scalars" if plugin == "scalars" else "histograms"][tag] = series
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
