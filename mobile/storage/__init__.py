"""The phone's store: TinyDB files behind `Repository`, written atomically, split by hamlet.

The app imports only what is exported here; TinyDB is never imported outside this package.
"""

from .atomic import StoreCorrupted
from .files import default_data_dir
from .models import HouseholdRow, Outbox, SyncResult
from .repository import Repository

__all__ = ["HouseholdRow", "Outbox", "Repository", "StoreCorrupted", "SyncResult", "default_data_dir"]
