"""The HTTP edge: thin routes over `server_sync.services`."""
