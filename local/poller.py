"""Feed SQS messages to the very functions registered with ``@app.on_sqs_message``.

``chalice local`` serves HTTP only, so locally this poller plays Lambda's event source mapping: it
long-polls each queue, hands a Lambda-shaped SQS event to the handler, deletes what succeeded and
leaves failures on the queue. Redelivery then follows the queue's visibility timeout, and moto
moves a message to the DLQ after ``maxReceiveCount`` receives, exactly as on AWS.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from chalice import Chalice
from chalice.app import SQSEventConfig

from chalicelib import aws, logs
from chalicelib.settings import get_settings

log = logs.get_logger("atelier.poller")


@dataclass(frozen=True)
class Binding:
    queue_name: str
    queue_url: str
    queue_arn: str
    handler_name: str
    handler: Any
    batch_size: int


class LambdaContext:
    """The few attributes of Lambda's context object that handlers may read."""

    def __init__(self, function_name: str, timeout_s: int = 900) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 0
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda spells it (``stringValue``), not as ReceiveMessage does."""
    shaped = {
        "stringValue": value.get("StringValue"),
        "binaryValue": value.get("BinaryValue"),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value.get("DataType", "String"),
    }
    return {k: v for k, v in shaped.items() if v is not None}


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message in the shape Lambda puts in ``event["Records"]``.

    ``attributes`` keep SQS's names (``ApproximateReceiveCount``, ``SentTimestamp``...) as Lambda
    does; message attributes are renamed to Lambda's camel case, which workers read.
    """
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: lambda_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class Poller:
    """``concurrency`` threads per queue (default one); ``stop()`` ends them within one wait.

    Lambda runs several batches of one queue at once; ``concurrency`` plays that (the
    benchmarks measure previews per second with one and two).
    """

    def __init__(self, app: Chalice, *, wait_s: int = 2, concurrency: int = 1) -> None:
        self.app = app
        self.wait_s = wait_s
        self.concurrency = max(1, concurrency)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.bindings = self._bind()

    def _bind(self) -> list[Binding]:
        sqs = aws.sqs()
        found = []
        for source in self.app.event_sources:
            if not isinstance(source, SQSEventConfig) or not source.queue:
                continue
            # Chalice keeps the wrapped handler (the Lambda entry point) under the source's name.
            func_name = source.name
            handler = self.app.handler_map[func_name]
            url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            found.append(
                Binding(source.queue, url, arn, func_name, handler, min(source.batch_size, 10))
            )
        return found

    def poll_once(self, binding: Binding) -> int:
        """Receive one batch and run it; returns how many messages were received."""
        sqs = aws.sqs()
        messages = sqs.receive_message(
            QueueUrl=binding.queue_url,
            MaxNumberOfMessages=binding.batch_size,
            WaitTimeSeconds=self.wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            self._invoke(binding, messages)
        return len(messages)

    def _invoke(self, binding: Binding, messages: list[dict[str, Any]]) -> None:
        region = get_settings().region
        event = {"Records": [lambda_record(m, binding.queue_arn, region) for m in messages]}
        try:
            result = binding.handler(event, LambdaContext(binding.handler_name))
        except Exception:
            # Like Lambda: the whole batch failed and becomes visible after the timeout.
            log.exception(
                "handler raised; batch left on queue", extra={"queue": binding.queue_name}
            )
            return
        reported = result.get("batchItemFailures", []) if isinstance(result, dict) else []
        failed = {f.get("itemIdentifier") for f in reported}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            aws.sqs().delete_message_batch(
                QueueUrl=binding.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        log.info(
            "batch delivered",
            extra={"queue": binding.queue_name, "succeeded": len(done), "failed": len(failed)},
        )

    def _loop(self, binding: Binding) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(binding)
            except Exception:
                log.exception("poll failed; retrying", extra={"queue": binding.queue_name})
                self._stop.wait(1.0)

    def start(self) -> None:
        for binding in self.bindings:
            for i in range(self.concurrency):
                name = f"poll-{binding.queue_name}" + (f"-{i}" if i else "")
                thread = threading.Thread(
                    target=self._loop, args=(binding,), name=name, daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_s + 5)
