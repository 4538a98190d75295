"""The question uploadtrail answers, asked of DuckDB over the same files, the way a user would.

    python duckdb_query.py best|inferred DIR THREADS

`best` names the columns it needs (no schema inference) and reads each file as one record;
`inferred` lets DuckDB infer the schema, as a first query usually does. Both list the multipart
events of each upload ID and the NoSuchUpload failures with their actor, each eventID once. Prints
the counts (as JSON) and the time spent; benches/bench checks the counts against uploadtrail's
answer, so that a wrong result cannot pass for a fast one.
"""
import json
import sys
import time

import duckdb

MULTIPART = "('CreateMultipartUpload','UploadPart','UploadPartCopy','CompleteMultipartUpload','AbortMultipartUpload','ListParts','ListMultipartUploads')"

COLUMNS = """{'Records': 'STRUCT(
    eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR, eventID VARCHAR,
    userIdentity STRUCT(arn VARCHAR, "type" VARCHAR),
    requestParameters STRUCT(bucketName VARCHAR, "key" VARCHAR, uploadId VARCHAR),
    responseElements JSON)[]'}"""


def source(mode, files):
    if mode == "best":
        return f"read_json('{files}', records=true, columns={COLUMNS})"
    return f"read_json_auto('{files}')"


def main():
    mode, folder, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = f"{folder}/**/*.json.gz"
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    con.execute(f"""
        CREATE TEMP TABLE mp AS
        SELECT r.eventID AS id, r.eventTime AS t, r.eventName AS name, r.requestParameters.bucketName AS bucket,
               r.requestParameters."key" AS key, r.errorCode AS error, r.userIdentity.arn AS actor,
               coalesce(r.requestParameters.uploadId,
                        json_extract_string(r.responseElements::JSON, '$.CreateMultipartUploadResult.UploadId')) AS upload_id
        FROM (SELECT unnest(Records) AS r FROM {source(mode, files)})
        WHERE r.eventSource = 's3.amazonaws.com' AND r.eventName IN {MULTIPART}
    """)
    uploads = con.execute("""
        SELECT count(*) FROM (
            SELECT upload_id, count(*), min(t), max(t), list(name ORDER BY t) FROM mp GROUP BY upload_id)
    """).fetchone()[0]
    # A trail delivers some records twice: each eventID counts once, as in uploadtrail.
    failures = con.execute("SELECT count(DISTINCT id) FROM (SELECT id, t, bucket, key, upload_id, actor FROM mp WHERE error = 'NoSuchUpload')").fetchone()[0]
    events = con.execute("SELECT count(DISTINCT id) FROM mp").fetchone()[0]
    print(json.dumps({"mode": mode, "multipart_events": events, "upload_ids": uploads, "failures": failures,
                      "seconds": round(time.perf_counter() - started, 2)}))


if __name__ == "__main__":
    main()
