"""Talking to the commune's server: enrolment and the one-round-trip batch sync (docs/sync-protocol.md)."""
