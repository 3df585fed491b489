"""Sensors that turn outside events into Dagster runs.

`sqs.py`: the `render_requests` sensor (service profile) reads render requests from SQS,
registers each project's partition and requests its run (run_key = job_id), and sends poison
messages to the dead-letter queue with their reason. `render_messages.py` validates messages and
keeps the cursor's list of messages to delete once their runs are recorded.
"""
