#!/usr/bin/env python3
"""Checks exported ONNX files with the reference checker: onnx.checker.check_model(model, full_check=True).

Used by workers/export/onnx-checker.test.ts. Needs the `onnx` Python package (Debian: apt-get install python3-onnx,
then run with /usr/bin/python3). Not part of the export path: Sequence Studio writes and verifies its models without
Python; this is an independent second opinion on the files.

    /usr/bin/python3 tools/onnx_check.py FILE.onnx [FILE.onnx ...]

Prints one JSON line per file ({"file", "ok", "ir_version", "opsets", "operators", "onnx"} or {"file", "ok": false,
"error"}); exits 0 when every file passes, 1 when one fails, 3 when the onnx package is missing.
"""
import json
import sys

try:
    import onnx
except ImportError:
    print(json.dumps({"ok": False, "error": "the onnx Python package is not installed (apt-get install python3-onnx)"}))
    sys.exit(3)

failed = False
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        print(json.dumps({
            "file": path,
            "ok": True,
            "ir_version": model.ir_version,
            "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
            "operators": sorted({n.op_type for n in model.graph.node}),
            "metadata_keys": [p.key for p in model.metadata_props],
            "onnx": onnx.__version__,
        }))
    except Exception as e:  # noqa: BLE001 - report every failure as one line
        failed = True
        message = str(e).strip() or repr(e)
        print(json.dumps({"file": path, "ok": False, "error": message}))
sys.exit(1 if failed else 0)
