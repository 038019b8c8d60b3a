from typing import Any

from django.db.backends.postgresql import base

from newsroom.outages import database_failed, database_resting


class DatabaseWrapper(base.DatabaseWrapper):
    """Fails at once, without connecting, while the database rests after failing;
    records a failed connection so other requests don't queue behind it."""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if database_resting():
            raise self.Database.OperationalError(
                "the database failed a moment ago; it is not asked again yet"
            )
        try:
            return super().get_new_connection(conn_params)
        except self.Database.OperationalError as error:
            database_failed(error)
            raise
