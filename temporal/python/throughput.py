"""Activities per second through the Rust workers, and the latency of one activity, as a
workflow sees them (run by temporal/tests/throughput.rs).

    python throughput.py '{"address": ..., "queue": ..., "bucket": ..., "key": ...,
                           "sequential": 100, "parallel": 400}'
"""
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import timedelta

from temporalio import workflow
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


async def timed(client, args: dict, count: int, all_at_once: bool) -> float:
    started = time.monotonic()
    await client.execute_workflow(
        S3Many.run,
        {**args, "count": count, "all_at_once": all_at_once},
        id=f"s3-many-{uuid.uuid4()}",
        task_queue=WORKFLOW_QUEUE,
    )
    return time.monotonic() - started


async def main(args: dict) -> dict:
    client = await Client.connect(args["address"])
    async with Worker(client, task_queue=WORKFLOW_QUEUE, workflows=[S3Many], max_concurrent_workflow_tasks=4):
        await timed(client, args, 20, True)  # warm-up: connections, compiled code, caches
        sequential = await timed(client, args, args["sequential"], False)
        parallel = await timed(client, args, args["parallel"], True)
    return {
        "sequential_count": args["sequential"],
        "sequential_seconds": sequential,
        "parallel_count": args["parallel"],
        "parallel_seconds": parallel,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(0)
