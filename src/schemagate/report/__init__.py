"""One report model, several renderers: Markdown (PR comment, job summary), text, JSON, SARIF,
and workflow-command annotations. Nothing here queries a database or calls GitHub."""
