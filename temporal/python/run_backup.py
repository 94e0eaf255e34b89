"""Runs the backup template on Temporal once and prints its report as JSON (exit status 1 if a
file failed, as `salesforce-backup` does).

It hosts the `SalesforceBackup` workflow (`backup_workflow.py`) on its own task queue — a
platform hosts it in its own workflow workers — and the steps run on the Rust workers started
with `--salesforce-backup` on `--queue`. A run's id is made of the bucket and prefix: starting
the same backup while it runs joins that run instead of racing it.

    python temporal/python/run_backup.py --bucket my-backups [--prefix backups/] [--delete-removed]
        [--dry-run] [--address 127.0.0.1:7233] [--namespace default] [--queue s3] [--max-in-flight 100]
"""
import argparse
import asyncio
import json
import os
import sys

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from backup_workflow import SalesforceBackup

WORKFLOW_QUEUE = "salesforce-backup-workflows"


async def run_backup(client: Client, args: dict):
    """Runs one backup with `args` (the workflow's input); its report and its handle."""
    async with Worker(client, task_queue=WORKFLOW_QUEUE, workflows=[SalesforceBackup]):
        handle = await client.start_workflow(
            SalesforceBackup.run,
            args,
            id=f"salesforce-backup:{args['bucket']}/{args.get('prefix', 'backups/')}",
            task_queue=WORKFLOW_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return await handle.result(), handle


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sync Salesforce files to AWS S3 backups, on Temporal")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="backups/")
    parser.add_argument("--delete-removed", action="store_true", help="delete backups of removed documents")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done; write nothing")
    parser.add_argument("--address", default=os.environ.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    parser.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    parser.add_argument("--queue", default="s3", help="the task queue of the workers (--salesforce-backup)")
    parser.add_argument("--max-in-flight", type=int, default=100, help="most copies scheduled at once")
    return parser.parse_args(argv)


async def main(argv: list) -> int:
    options = parse_args(argv)
    client = await Client.connect(options.address, namespace=options.namespace)
    report, _ = await run_backup(
        client,
        {
            "queue": options.queue,
            "bucket": options.bucket,
            "prefix": options.prefix,
            "delete_removed": options.delete_removed,
            "dry_run": options.dry_run,
            "max_in_flight": options.max_in_flight,
        },
    )
    print(json.dumps(report, indent=2))
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    status = asyncio.run(main(sys.argv[1:]))
    sys.stdout.flush()
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(status)
