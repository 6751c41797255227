"""SQS work: message schemas, producers, and the worker side of each queue."""
