"""Re-files a trail in the layout of an organisation trail with many small objects.

Each file of SOURCE (`AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/NAME.json.gz`) is cut into
ACCOUNTS files of a few records each, filed under `AWSLogs/o-ORGID/ACCOUNT-i/CloudTrail/...` as an
organisation trail delivers them: the same records (so the same answer), many more, smaller
objects (what an organisation trail of many quiet accounts looks like to a reader).

    python3 benches/org_layout.py SOURCE_DIR OUT_DIR [ACCOUNTS]
"""

import gzip
import json
import os
import sys

source, out = sys.argv[1], sys.argv[2]
accounts = int(sys.argv[3]) if len(sys.argv) > 3 else 16
org = "o-exampleorg1"
written = 0
for root, _, names in os.walk(os.path.join(source, "AWSLogs")):
    for name in sorted(names):
        if not name.endswith(".json.gz"):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, os.path.join(source, "AWSLogs")).split(os.sep)
        account, rest = rel[0], rel[1:]
        with gzip.open(path, "rb") as f:
            records = json.load(f)["Records"]
        for i in range(accounts):
            part = records[i::accounts]
            if not part:
                continue
            member = f"{int(account) + i:012d}"
            folder = os.path.join(out, "AWSLogs", org, member, *rest[:-1])
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, rest[-1].replace(account, member, 1))
            with gzip.open(target, "wb", compresslevel=6) as f:
                f.write(json.dumps({"Records": part}, separators=(",", ":")).encode())
            written += 1
print(f"{written} objects under {out}/AWSLogs/{org}")
