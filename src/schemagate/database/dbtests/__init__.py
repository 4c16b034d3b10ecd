"""A project's own database tests (pgTAP files under supabase/tests), run on the throwaway database:
`psqlscript` reads a file as psql would, `execute` runs it as pg_prove would, `tap` judges its
output, `junit` writes the results for test-report tools."""
