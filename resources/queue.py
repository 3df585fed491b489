"""The render queue: an SQS queue with its dead-letter queue, shared by the API (send) and the
sensor (receive, delete, dead-letter).

dagster-aws has no SQS resource, so this is a small ConfigurableResource over boto3's client.
SQS delivers at least once: consumers must tolerate a message twice and delete it only once its
work is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import boto3
from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from resources.aws_clients import shared_client

# How often a message may be received without being deleted before SQS itself moves it to the
# dead-letter queue: a message that crashes every tick stops blocking after this many tries.
MAX_RECEIVE_COUNT = 5
REASON_ATTRIBUTE = "reason"


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int


class SqsQueue(ConfigurableResource):
    """Render requests in; poison messages out to the dead-letter queue with their reason."""

    queue_url: str = Field(default="", description="URL of the render queue (or give queue_name).")
    dead_letter_queue_url: str = Field(default="", description="URL of its dead-letter queue (or its name).")
    queue_name: str = Field(
        default="",
        description="The render queue's name, looked up when no URL is given "
        "(deployments: the name Terraform created, no account id).",
    )
    dead_letter_queue_name: str = Field(default="", description="Its dead-letter queue's name.")
    region_name: str = Field(default="us-east-1")
    endpoint_url: str | None = Field(default=None, description="Another SQS endpoint (a moto server locally).")

    _client = PrivateAttr(default=None)
    _urls = PrivateAttr(default_factory=dict)

    def _url(self, url: str, name: str) -> str:
        """A queue's URL: the one given, else looked up once by name."""
        if url:
            return url
        if not name:
            raise ValueError(
                "the render queue needs a URL or a name (FILMSTUDIO_QUEUE_URL, or FILMSTUDIO_TIER in the prod profile)"
            )
        if name not in self._urls:
            self._urls[name] = self.client.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    @property
    def render_queue_url(self) -> str:
        return self._url(self.queue_url, self.queue_name)

    @property
    def dead_letter_url(self) -> str:
        return self._url(self.dead_letter_queue_url, self.dead_letter_queue_name)

    @property
    def client(self):
        if self._client is None:
            self._client = shared_client(
                "sqs",
                {"region": self.region_name, "endpoint": self.endpoint_url},
                lambda: boto3.client("sqs", region_name=self.region_name, endpoint_url=self.endpoint_url),
            )
        return self._client

    def send(self, body: str, attributes: dict[str, str] | None = None) -> str:
        """Enqueue one message; return its SQS message id."""
        response = self.client.send_message(
            QueueUrl=self.render_queue_url, MessageBody=body, MessageAttributes=_string_attributes(attributes or {})
        )
        return response["MessageId"]

    def receive(self, max_messages: int = 10, wait_seconds: int = 0) -> list[QueueMessage]:
        """Up to 10 messages (SQS's own cap per call); they stay hidden for the visibility timeout."""
        response = self.client.receive_message(
            QueueUrl=self.render_queue_url,
            MaxNumberOfMessages=max(1, min(max_messages, 10)),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            QueueMessage(
                message_id=item["MessageId"],
                receipt_handle=item["ReceiptHandle"],
                body=item["Body"],
                receive_count=int(item.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
            )
            for item in response.get("Messages", [])
        ]

    def delete(self, receipt_handles: list[str]) -> list[str]:
        """Delete messages (in batches of 10); return the receipt handles SQS refused (for example
        expired ones: those messages come back and are handled again)."""
        refused = []
        for start in range(0, len(receipt_handles), 10):
            batch = receipt_handles[start : start + 10]
            response = self.client.delete_message_batch(
                QueueUrl=self.render_queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(batch)],
            )
            refused.extend(batch[int(failure["Id"])] for failure in response.get("Failed", []))
        return refused

    def dead_letter(self, message: QueueMessage, reason: str) -> None:
        """Move a message to the dead-letter queue with its reason: sent there first, deleted here
        second, so a crash in between leaves a copy in both rather than none."""
        self.client.send_message(
            QueueUrl=self.dead_letter_url,
            MessageBody=message.body,
            MessageAttributes=_string_attributes(
                {REASON_ATTRIBUTE: reason[:1000], "source_message_id": message.message_id}
            ),
        )
        self.client.delete_message(QueueUrl=self.render_queue_url, ReceiptHandle=message.receipt_handle)

    def depth(self) -> dict[str, int]:
        """Visible and in-flight message counts (for health and benchmarks)."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.render_queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return {
            "visible": int(attributes["ApproximateNumberOfMessages"]),
            "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        }


def ensure_queues(
    client, name: str, visibility_timeout_s: int = 60, max_receive_count: int = MAX_RECEIVE_COUNT
) -> tuple[str, str]:
    """Create (or find) `name` and `name-dlq` with the redrive policy; return (queue URL, DLQ URL).
    Production queues come from Terraform; this serves `filmstudio up` and the tests."""
    dlq_url = client.create_queue(QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)})[
        "QueueUrl"
    ]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)})
    queue_url = client.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(visibility_timeout_s), "RedrivePolicy": redrive}
    )["QueueUrl"]
    return queue_url, dlq_url


def _string_attributes(values: dict[str, str]) -> dict:
    return {name: {"DataType": "String", "StringValue": str(value)} for name, value in values.items()}
