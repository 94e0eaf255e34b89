"""Workflows that run the S3 connector's activities (`s3.<operation>`) on Rust workers.

A platform's workflows live in its own language; these are Python, on the official SDK, and
name the activities by string: nothing here knows the connector beyond its operation names.
"""
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityCancellationType

# Retries for lost workers and transient errors; non-retryable typed errors stop at once.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=1.0, maximum_attempts=5)


def _options(queue: str, heartbeat_seconds: float | None = None) -> dict:
    options = {
        "task_queue": queue,
        "start_to_close_timeout": timedelta(minutes=5),
        "retry_policy": RETRY,
    }
    if heartbeat_seconds is not None:
        options["heartbeat_timeout"] = timedelta(seconds=heartbeat_seconds)
    return options


def _upload_in_parts(args: dict, **extra):
    """`put_object_file` of `args["file"]` in 5 MiB parts, one at a time, heartbeating."""
    return workflow.execute_activity(
        "s3.put_object_file",
        {"bucket": args["bucket"], "key": args["key"], "file": args["file"], "multipart_threshold": 5 << 20,
         "part_size": 5 << 20, "concurrency": 1},
        **extra,
        **_options(args["queue"], heartbeat_seconds=2),
    )


@workflow.defn
class S3Steps:
    """Runs S3 activities one after another and returns their outputs. Input: `queue` (the
    workers' task queue), `steps` (each `{"operation": "<id>", "input": {...}}`), and optionally
    `heartbeat_seconds` (default 3: a worker lost mid-step is noticed within that, and its
    heartbeats reach Temporal every 0.8 × that)."""

    @workflow.run
    async def run(self, args: dict) -> list:
        outputs = []
        for step in args["steps"]:
            outputs.append(
                await workflow.execute_activity(
                    f"s3.{step['operation']}",
                    step.get("input", {}),
                    **_options(args["queue"], heartbeat_seconds=float(args.get("heartbeat_seconds", 3))),
                )
            )
        return outputs


@workflow.defn
class S3Sequence:
    """Writes keys, downloads a large object (slow on purpose: the test kills the worker that
    runs it), writes more keys, and lists the bucket."""

    @workflow.run
    async def run(self, args: dict) -> dict:
        queue, bucket = args["queue"], args["bucket"]
        for key in args["before"]:
            await workflow.execute_activity(
                "s3.put_object_text", {"bucket": bucket, "key": key, "content": f"content of {key}"}, **_options(queue)
            )
        download = await workflow.execute_activity(
            "s3.get_object",
            {"bucket": bucket, "key": args["large_key"], "format": "file", "file": "large.bin", "concurrency": 1},
            **_options(queue, heartbeat_seconds=3),
        )
        for key in args["after"]:
            await workflow.execute_activity(
                "s3.put_object_text", {"bucket": bucket, "key": key, "content": f"content of {key}"}, **_options(queue)
            )
        listed = await workflow.execute_activity(
            "s3.list_objects", {"bucket": bucket, "fetch_all": True}, **_options(queue)
        )
        return {"download": download, "listed": listed}


@workflow.defn
class S3HeadMissing:
    """Asks for an object that does not exist: `not-found` is not retryable."""

    @workflow.run
    async def run(self, args: dict) -> dict:
        return await workflow.execute_activity(
            "s3.head_object", {"bucket": args["bucket"], "key": args["key"]}, **_options(args["queue"])
        )


@workflow.defn
class S3UploadInterrupted:
    """Uploads a file in parts over the slow link; the test kills the worker running it once the
    upload is open. The next attempt, on another worker, aborts the upload the lost one left open
    (named in its last heartbeat) and uploads the file afresh."""

    @workflow.run
    async def run(self, args: dict) -> dict:
        return await _upload_in_parts(args)


@workflow.defn
class S3UploadCancelled:
    """Uploads a file in parts; the test cancels the workflow mid-upload. The activity waits for
    the worker to finish cancelling: the connector aborts the multipart upload."""

    @workflow.run
    async def run(self, args: dict) -> dict:
        return await _upload_in_parts(args, cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
