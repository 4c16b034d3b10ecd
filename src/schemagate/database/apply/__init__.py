"""Applying migrations: the engine, lock-timeout retries, what a failure means, seeding,
rollback, a COMMIT whose reply was lost, and a deploy rehearsed on a replica."""
