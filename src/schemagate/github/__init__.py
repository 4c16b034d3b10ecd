"""GitHub: the run's context, a retrying REST client, sticky comments and approvals."""
