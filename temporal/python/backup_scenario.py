"""The backup test's client side (run by temporal/tests/backup.rs): runs the backup workflow
once and prints its report with the workers that ran its copies, as one JSON object.

    python backup_scenario.py '{"address": ..., "queue": ..., "bucket": ..., "prefix": ...,
                                "delete_removed": ..., "dry_run": ..., "workers": [identity, ...]}'

It starts the run once every worker in `workers` polls the queue.
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client

from histories import attempts_of, wait_for_pollers
from run_backup import run_backup


async def main(args: dict) -> dict:
    client = await Client.connect(args.pop("address"))
    await wait_for_pollers(client, args["queue"], args.pop("workers"))
    report, handle = await run_backup(client, args)
    copies = await attempts_of(handle, "salesforce_backup.copy")
    return {"report": report, "copies": copies}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
    # The SDK's native threads can crash the interpreter's shutdown (PyGILState_Release while
    # finalizing) after the work is done: leave without it.
    os._exit(0)
