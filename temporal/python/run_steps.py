"""Runs a workflow of S3 steps on the Rust workers and prints each step's output as JSON; a step
that fails ends the workflow, and its typed error is printed instead (exit status 1).

It hosts the `S3Steps` workflow (`s3_workflows.py`) on its own task queue — a platform hosts its
workflows in its own workers — and each step runs as the activity `s3.<operation>` on the workers
serving `--queue`. Steps come from a JSON file (or `-` for standard input):

    [{"operation": "put_object_text", "input": {"bucket": "b", "key": "a.txt", "content": "hi"}},
     {"operation": "list_objects", "input": {"bucket": "b"}}]

    python temporal/python/run_steps.py [--address 127.0.0.1:7233] [--namespace default]
        [--queue s3] [--heartbeat-seconds 3] STEPS.json
"""
import argparse
import asyncio
import json
import os
import sys
import uuid

from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from s3_workflows import S3Steps

WORKFLOW_QUEUE = "s3-steps-workflows"


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run S3 steps as one Temporal workflow")
    parser.add_argument("steps", help="a JSON file with the steps, or - for standard input")
    parser.add_argument("--address", default=os.environ.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    parser.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    parser.add_argument("--queue", default="s3", help="the task queue of the workers")
    parser.add_argument("--heartbeat-seconds", type=float, default=3, help="how soon a lost worker is noticed")
    return parser.parse_args(argv)


def typed_error(error: WorkflowFailureError) -> dict:
    """The failed step's typed error (the connector's, from the failure's details), or what
    Temporal says."""
    cause = error.cause.cause if isinstance(error.cause, ActivityError) else error.cause
    if isinstance(cause, ApplicationError):
        details = list(cause.details)
        return details[0] if details else {"kind": cause.type, "message": cause.message}
    return {"kind": "workflow", "message": str(cause or error)}


async def main(argv: list) -> int:
    options = parse_args(argv)
    text = sys.stdin.read() if options.steps == "-" else open(options.steps, encoding="utf-8").read()
    steps = json.loads(text)
    if not isinstance(steps, list) or not all(isinstance(s, dict) and "operation" in s for s in steps):
        print('the steps must be a JSON list of {"operation": ..., "input": {...}}', file=sys.stderr)
        return 2
    client = await Client.connect(options.address, namespace=options.namespace)
    async with Worker(client, task_queue=WORKFLOW_QUEUE, workflows=[S3Steps]):
        handle = await client.start_workflow(
            S3Steps.run,
            {"queue": options.queue, "steps": steps, "heartbeat_seconds": options.heartbeat_seconds},
            id=f"s3-steps-{uuid.uuid4()}",
            task_queue=WORKFLOW_QUEUE,
        )
        print(f"workflow {handle.id} started", file=sys.stderr)
        try:
            outputs = await handle.result()
        except WorkflowFailureError as error:
            print(json.dumps({"error": typed_error(error)}, indent=2))
            return 1
    for step, output in zip(steps, outputs):
        print(json.dumps({"operation": step["operation"], "output": output}, indent=2))
    return 0


if __name__ == "__main__":
    status = asyncio.run(main(sys.argv[1:]))
    sys.stdout.flush()
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(status)
