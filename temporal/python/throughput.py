"""Activities per second through the Rust workers, and the latency of one activity, as a
workflow sees them (run by temporal/tests/throughput.rs).

    python throughput.py '{"address": ..., "queue": ..., "bucket": ..., "key": ...,
                           "sequential": 100, "parallel": 400}'
"""
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

WORKFLOW_QUEUE = "s3-throughput-workflows"


@workflow.defn
class S3Many:
    """Runs `count` head_object activities, one after another or all at once."""

    @workflow.run
    async def run(self, args: dict) -> int:
        def head():
            return workflow.execute_activity(
                "s3.head_object",
                {"bucket": args["bucket"], "key": args["key"]},
                task_queue=args["queue"],
                start_to_close_timeout=timedelta(minutes=1),
            )

        if args["all_at_once"]:
            await asyncio.gather(*(head() for _ in range(args["count"])))
        else:
            for _ in range(args["count"]):
                await head()
        return args["count"]


async def timed(client, args: dict, count: int, all_at_once: bool):
    """Runs `count` activities; the seconds it took, and the workflow's handle."""
    started = time.monotonic()
    handle = await client.start_workflow(
        S3Many.run,
        {**args, "count": count, "all_at_once": all_at_once},
        id=f"s3-many-{uuid.uuid4()}",
        task_queue=WORKFLOW_QUEUE,
    )
    await handle.result()
    return time.monotonic() - started, handle


async def where_the_time_goes(handle) -> dict:
    """For activities run one after another: the median of each step of the cycle, in ms, as the
    server's history times them — the activity task waiting for a worker (scheduled → started),
    the worker running it and reporting back (started → completed), and the workflow task that
    sees the result and schedules the next (completed → next scheduled)."""
    times = {}
    async for event in handle.fetch_history_events():
        times.setdefault(event.event_type, []).append(event.event_time.ToNanoseconds() / 1e6)
    scheduled = times.get(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, [])
    started = times.get(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, [])
    completed = times.get(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, [])
    steps = {
        "dispatch_ms": [s - q for q, s in zip(scheduled, started)],
        "run_and_report_ms": [c - s for s, c in zip(started, completed)],
        "workflow_task_ms": [q - c for c, q in zip(completed, scheduled[1:])],
    }
    return {name: round(statistics.median(values), 2) for name, values in steps.items() if values}


async def main(args: dict) -> dict:
    client = await Client.connect(args["address"])
    async with Worker(client, task_queue=WORKFLOW_QUEUE, workflows=[S3Many], max_concurrent_workflow_tasks=4):
        await timed(client, args, 20, True)  # warm-up: connections, compiled code, caches
        sequential, one_by_one = await timed(client, args, args["sequential"], False)
        parallel, _ = await timed(client, args, args["parallel"], True)
        steps = await where_the_time_goes(one_by_one)
    return {
        "sequential_count": args["sequential"],
        "sequential_seconds": sequential,
        "parallel_count": args["parallel"],
        "parallel_seconds": parallel,
        "steps": steps,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(0)
