"""DynamoDB adapter for the Idempotency-Key policy: conditional puts, updates and deletes.

Expiry is compared with the clock in every condition (TTL deletion is lazy). ``complete`` can
also run inside a caller's ``TransactWrite`` so the domain write and the stored answer commit
together: there is never a created record without its replayable response.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.idempotency import (
    LOCK_SECONDS,
    RETENTION_SECONDS,
    Claim,
    ClaimLost,
    Record,
    StoredResponse,
)
from chalicelib.store.models import IdempotencyRecord as Item

_CONDITION_FAILED = ("ConditionalCheckFailedException", "TransactionCanceledException")


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _held_by(claim: Claim) -> Condition:
    held: Condition = (Item.status == "IN_PROGRESS") & (Item.claim_id == claim.claim_id)
    return held


def _completion(response: StoredResponse, now: float) -> list[Action]:
    return [
        Item.status.set("COMPLETED"),
        Item.response.set(response.as_dict()),
        Item.expires_at.set(_when(now + RETENTION_SECONDS)),
    ]


class DynamoStore:
    def try_claim(self, claim: Claim, now: float) -> bool:
        item = Item(
            scope=claim.scope,
            status="IN_PROGRESS",
            fingerprint=claim.fingerprint,
            claim_id=claim.claim_id,
            lock_expires_at=now + LOCK_SECONDS,
            expires_at=_when(now + RETENTION_SECONDS),
        )
        free = (
            Item.scope.does_not_exist()
            | (Item.expires_at < _when(now))
            | ((Item.status == "IN_PROGRESS") & (Item.lock_expires_at < now))
        )
        try:
            item.save(condition=free)
        except PutError as exc:
            if exc.cause_response_code in _CONDITION_FAILED:
                return False
            raise
        return True

    def get(self, scope: str) -> Record | None:
        try:
            item = Item.get(scope, consistent_read=True)
        except DoesNotExist:
            return None
        return Record(
            scope=item.scope,
            status=item.status,
            fingerprint=item.fingerprint,
            claim_id=item.claim_id,
            lock_expires_at=float(item.lock_expires_at),
            expires_at=item.expires_at.timestamp(),
            response=StoredResponse.of(item.response) if item.response else None,
        )

    def complete(self, claim: Claim, response: StoredResponse, now: float) -> None:
        try:
            Item(scope=claim.scope).update(
                actions=_completion(response, now),
                condition=_held_by(claim),
            )
        except UpdateError as exc:
            if exc.cause_response_code not in _CONDITION_FAILED:
                raise
            current = self.get(claim.scope)
            mine = current is not None and current.claim_id == claim.claim_id
            if mine and current is not None and current.status == "COMPLETED":
                return  # our own update, retried by the SDK after a lost response
            raise ClaimLost("The idempotency claim expired before the request finished.") from exc

    def complete_in(
        self, transaction: TransactWrite, claim: Claim, response: StoredResponse, now: float
    ) -> None:
        """Add the completion to a caller's transaction (committed with its domain writes)."""
        transaction.update(
            Item(scope=claim.scope),
            actions=_completion(response, now),
            condition=_held_by(claim),
        )

    def release(self, claim: Claim) -> None:
        try:
            Item(scope=claim.scope).delete(condition=_held_by(claim))
        except DeleteError as exc:
            if exc.cause_response_code not in _CONDITION_FAILED:
                raise
