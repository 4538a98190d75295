"""Runs the statements of a Spark SQL file (as `uploadtrail sql --engine spark` prints it) in a
local Spark, and writes the view `uploadtrail_events` as Parquet to the folder given."""

import sys

from pyspark.sql import SparkSession


def statements(text):
    """The statements of a SQL file: split at `;`, comment-only pieces dropped."""
    for piece in text.split(";"):
        code = [line for line in piece.splitlines() if line.strip() and not line.strip().startswith("--")]
        if code:
            yield piece


def main(sql_file, out):
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("uploadtrail-e2e")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    with open(sql_file) as f:
        for statement in statements(f.read()):
            spark.sql(statement)
    spark.table("uploadtrail_events").write.mode("overwrite").parquet(out)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
