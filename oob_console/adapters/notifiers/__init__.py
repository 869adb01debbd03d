"""Out-of-band comms channels over httpx, one module per service.

Each channel sends one notice per call and uses the notice id as the far end's
idempotency key (PagerDuty ``dedup_key``, Matrix ``txnId``, the webhook's
``Idempotency-Key`` header), so a retry after a lost answer or a crash does not
make a second alert. Slack incoming webhooks have no such key: a retry after a
lost answer can post twice (at-least-once).
"""
