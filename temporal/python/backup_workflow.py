"""The backup template (*Sync Salesforce files to AWS S3 backups*) as a Temporal workflow.

The steps are activities on the Rust workers started with `--salesforce-backup` (they hold the
org's token and the S3 credentials; no input or result here carries either):

1. `salesforce_backup.plan` lists the org's latest files and the backups, and says which files
   to copy (new or changed), how many are current, and which backups to delete;
2. `salesforce_backup.copy`, one activity per file, all scheduled at once (at most
   `max_in_flight` pending): every worker on the task queue takes copies, as many at once as its
   `--max-concurrent`; a lost worker's copy is retried on another, a file that still fails after
   the retries is reported and the others go on;
3. `salesforce_backup.delete` deletes the backups of removed documents (with `delete_removed`).

The report is the single-process template's (`salesforce-backup`), field for field and in the
same order: the plan's order, not the order the copies finished in.
"""
import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

# A transient failure (the org or S3 busy, a worker lost) is retried; typed errors that retrying
# cannot fix stop at once and are reported.
STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3)
# The activities heartbeat about once a second: a worker silent for this long is lost.
HEARTBEAT = timedelta(seconds=20)
OPTION_NAMES = ("bucket", "prefix", "delete_removed", "dry_run")
# Temporal refuses more than 2,000 pending activities per workflow.
MAX_IN_FLIGHT = 1000


def _step(queue: str, longest: timedelta) -> dict:
    return {
        "task_queue": queue,
        "start_to_close_timeout": longest,
        "heartbeat_timeout": HEARTBEAT,
        "retry_policy": STEP_RETRY,
    }


def failure_text(error: ActivityError) -> str:
    """What a failed step says, as the single-process report words it: `<kind>: <message>`."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}"
    return str(cause or error)


@workflow.defn
class SalesforceBackup:
    """One backup run. Input: `queue` (the workers' task queue), `bucket`, and optionally
    `prefix` (default `backups/`), `delete_removed`, `dry_run`, `max_in_flight` (default 100)."""

    @workflow.run
    async def run(self, args: dict) -> dict:
        queue = args["queue"]
        options = {name: args[name] for name in OPTION_NAMES if name in args}
        plan = await workflow.execute_activity("salesforce_backup.plan", options, **_step(queue, timedelta(hours=1)))
        report = {
            "dry_run": bool(options.get("dry_run", False)),
            "listed": plan["listed"],
            "uploaded": [],
            "updated": [],
            "unchanged": plan["unchanged"],
            "deleted": [],
            "failed": [{"key": key, "error": why} for key, why in plan["failed"]],
            "bytes": 0,
        }
        window = asyncio.Semaphore(max(1, min(MAX_IN_FLIGHT, int(args.get("max_in_flight", 100)))))

        async def copy(planned: dict) -> tuple:
            async with window:
                try:
                    done = await workflow.execute_activity(
                        "salesforce_backup.copy", {**options, "copy": planned}, **_step(queue, timedelta(hours=2))
                    )
                    return planned, done["bytes"], None
                except ActivityError as error:
                    return planned, 0, failure_text(error)

        for planned, copied, error in await asyncio.gather(*(copy(planned) for planned in plan["copies"])):
            if error is not None:
                report["failed"].append({"key": planned["key"], "error": error})
            else:
                report["bytes"] += copied
                report["updated" if planned["replaces"] else "uploaded"].append(planned["key"])

        if plan["removed"]:
            deletion = await workflow.execute_activity(
                "salesforce_backup.delete", {**options, "removed": plan["removed"]}, **_step(queue, timedelta(hours=1))
            )
            report["deleted"].extend(deletion["deleted"])
            report["failed"].extend({"key": key, "error": why} for key, why in deletion["failed"])
        return report
