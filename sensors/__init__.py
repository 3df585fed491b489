"""Sensors that turn outside events into Dagster runs.

Coming with the service-mode issue: the SQS sensor that reads API submissions, registers the
project's partition and requests its run (run_key = job_id), and sends poison messages to the
dead-letter queue with their reason. Nothing lives here yet.
"""
