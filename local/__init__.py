"""The embedded local stack: moto server, resource bootstrap, SQS poller, demo seed."""
