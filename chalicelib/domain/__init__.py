"""Pure domain logic: no boto3, no HTTP. Everything here is deterministic and unit-testable."""
