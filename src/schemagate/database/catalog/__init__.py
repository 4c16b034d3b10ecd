"""What a database holds, object by object, and how two differ: inventory, snapshot, diff,
the Data API's access matrix, production's catalog against its migrations."""
