#!/bin/sh
# The many-core scaling figure (issue 7): one run of B and C data-parallel across 1, 2, 4, 8 and 16 worker threads,
# each worker count timed in turn in one invocation, with its speed-up over one worker. Prepared for a 16-core
# machine (about 3 minutes); needs Node 20 and a built tree (`npm run build`, whose output it reads from out/).
# Usage: sh tools/scaling.sh [counts, default 1,2,4,8,16] — prints the table, or, when $OUT is set (the device
# machine's output folder), the JSON lines, also kept in $OUT/scaling.jsonl.
set -eu
cd "$(dirname "$0")/.."
counts="${1:-1,2,4,8,16}"
echo "cores: $(nproc); node $(node --version)"
if [ -n "${OUT:-}" ]; then
  node bin/seqstudio.mjs bench --config B,C --workers "$counts" --seconds 1 --json | tee "$OUT/scaling.jsonl"
else
  node bin/seqstudio.mjs bench --config B,C --workers "$counts" --seconds 1
fi
