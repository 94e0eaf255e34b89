"""The cluster test's client side (run by temporal/tests/cluster.rs): hosts the workflows on
their own task queue, starts them, kills the Rust worker that is running the slow download
(SIGKILL, mid-activity), later the one running an upload in parts, and prints what the
histories say as one JSON object.

    python cluster_scenario.py '{"address": ..., "queue": ..., "bucket": ..., "large_key": ...,
                                 "workers": {"identity": pid, ...}}'
"""
import asyncio
import json
import os
import signal
import sys
import uuid

from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
from temporalio.worker import Worker

from histories import attempts_of, wait_for_pollers
from s3_workflows import S3HeadMissing, S3Sequence, S3UploadCancelled, S3UploadInterrupted

WORKFLOW_QUEUE = "s3-test-workflows"


def heartbeat_of(pending) -> dict:
    """The last heartbeat details of a pending activity (JSON), or {}."""
    payloads = pending.heartbeat_details.payloads
    return json.loads(payloads[0].data) if payloads else {}


async def kill_the_worker_running(handle, activity: str, workers: dict, ready=lambda pending: True) -> str | None:
    """Waits until `activity` is running on one of `workers` (and `ready` says yes to it), kills
    that worker, and returns its identity (None if the workflow ended first)."""
    while True:
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            identity = pending.last_worker_identity
            if (
                pending.activity_type.name == activity
                and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                and identity in workers
                and ready(pending)
            ):
                os.kill(workers[identity], signal.SIGKILL)
                return identity
        if description.status is not None and description.status.name != "RUNNING":
            return None
        await asyncio.sleep(0.1)


def upload_handed_over(pending) -> bool:
    """Whether a pending activity's last heartbeat names an open multipart upload."""
    return "multipart_upload" in (heartbeat_of(pending).get("checkpoint") or {})


async def wait_until_running(handle, activity: str, ready=lambda pending: True) -> None:
    """Waits until `activity` has started on a worker (and `ready` says yes to it)."""
    while True:
        description = await handle.describe()
        if any(
            pending.activity_type.name == activity
            and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            and ready(pending)
            for pending in description.raw_description.pending_activities
        ):
            return
        await asyncio.sleep(0.1)


async def cancel_mid_upload(client, common: dict, upload_file: str) -> dict:
    """Starts an upload in parts, cancels its workflow once the upload is open, and says how the
    workflow and the activity ended."""
    handle = await client.start_workflow(
        S3UploadCancelled.run,
        {**common, "key": "cancelled.bin", "file": upload_file},
        id=f"s3-upload-cancelled-{uuid.uuid4()}",
        task_queue=WORKFLOW_QUEUE,
    )
    await wait_until_running(handle, "s3.put_object_file", upload_handed_over)
    await handle.cancel()
    cancelled = False
    try:
        await handle.result()
    except WorkflowFailureError as error:
        cancelled = isinstance(error.cause, CancelledError) or isinstance(getattr(error.cause, "cause", None), CancelledError)
    activity_cancelled = False
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
            activity_cancelled = True
    return {"workflow_cancelled": cancelled, "activity_cancelled": activity_cancelled}


async def interrupt_an_upload(client, common: dict, upload_file: str, workers: dict) -> dict:
    """Starts an upload in parts, kills the worker running it once its heartbeat names the open
    upload, and says who was killed and which attempt finished it where."""
    handle = await client.start_workflow(
        S3UploadInterrupted.run,
        {**common, "key": "interrupted.bin", "file": upload_file},
        id=f"s3-upload-interrupted-{uuid.uuid4()}",
        task_queue=WORKFLOW_QUEUE,
    )
    killed = await kill_the_worker_running(handle, "s3.put_object_file", workers, upload_handed_over)
    result = await handle.result()
    return {"killed": killed, "result": result, "attempts": await attempts_of(handle, "s3.put_object_file")}


async def main(args: dict) -> dict:
    client = await Client.connect(args["address"])
    workers = {identity: int(pid) for identity, pid in args["workers"].items()}
    common = {"queue": args["queue"], "bucket": args["bucket"]}
    await wait_for_pollers(client, args["queue"], list(workers))
    workflows = [S3Sequence, S3HeadMissing, S3UploadCancelled, S3UploadInterrupted]
    async with Worker(client, task_queue=WORKFLOW_QUEUE, workflows=workflows):
        sequence = await client.start_workflow(
            S3Sequence.run,
            {**common, "before": ["a.txt", "b.txt", "c.txt"], "after": ["d.txt", "e.txt"], "large_key": args["large_key"]},
            id=f"s3-sequence-{uuid.uuid4()}",
            task_queue=WORKFLOW_QUEUE,
        )
        killed = await kill_the_worker_running(sequence, "s3.get_object", workers)
        result = await sequence.result()
        downloads = await attempts_of(sequence, "s3.get_object")

        missing = await client.start_workflow(
            S3HeadMissing.run,
            {**common, "key": "no-such-key"},
            id=f"s3-head-missing-{uuid.uuid4()}",
            task_queue=WORKFLOW_QUEUE,
        )
        failure = None
        try:
            await missing.result()
        except WorkflowFailureError as error:
            cause = error.cause
            application = cause.cause if isinstance(cause, ActivityError) else None
            if isinstance(application, ApplicationError):
                failure = {
                    "type": application.type,
                    "non_retryable": application.non_retryable,
                    "message": application.message,
                    "details": list(application.details),
                }
        head_attempts = await attempts_of(missing, "s3.head_object")
        cancel = await cancel_mid_upload(client, common, args["upload_file"])
        alive = {identity: pid for identity, pid in workers.items() if identity != killed}
        interrupted = await interrupt_an_upload(client, common, args["upload_file"], alive)
    return {
        "killed": killed,
        "result": result,
        "download_attempts": downloads,
        "missing_failure": failure,
        "missing_attempts": head_attempts,
        "cancel": cancel,
        "interrupted": interrupted,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(0)
