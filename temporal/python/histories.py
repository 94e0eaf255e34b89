"""What the tests read from the cluster: workflow histories and a task queue's pollers."""
import asyncio

from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest


async def attempts_of(handle, activity: str) -> list:
    """The final attempt and worker of each `activity` in the workflow's history."""
    scheduled = {}
    found = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = event.activity_task_started_event_attributes
            if scheduled.get(started.scheduled_event_id) == activity:
                found.append({"attempt": started.attempt, "identity": started.identity})
    return found


async def wait_for_pollers(client, queue: str, identities: list, timeout_seconds: float = 120) -> None:
    """Waits until every worker in `identities` polls `queue` for activities (a worker compiles
    the connector before it polls)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    while True:
        described = await client.workflow_service.describe_task_queue(request)
        polling = {poller.identity for poller in described.pollers}
        if set(identities) <= polling:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"workers {sorted(set(identities) - polling)} never polled {queue}")
        await asyncio.sleep(0.2)
