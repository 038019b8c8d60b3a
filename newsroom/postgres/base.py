from typing import Any

from django.db.backends.postgresql import base

from newsroom.outages import database_failed, database_resting
from newsroom.replicas import replica_failed, replica_resting


class DatabaseWrapper(base.DatabaseWrapper):
    """Fails at once, without connecting, while the database rests after failing;
    records a failed connection so other requests don't queue behind it. A read
    replica rests on its own: its readers go to the primary meanwhile."""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        is_replica = self.alias != "default"
        if replica_resting(self.alias) if is_replica else database_resting():
            raise self.Database.OperationalError(
                "the database failed a moment ago; it is not asked again yet"
            )
        try:
            return super().get_new_connection(conn_params)
        except self.Database.OperationalError as error:
            if is_replica:
                replica_failed(self.alias, error)
            else:
                database_failed(error)
            raise
