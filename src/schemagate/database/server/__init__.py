"""PostgreSQL servers schemagate runs itself: finding binaries, a throwaway cluster, the shim."""
