from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "PEEL Action Tracker"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from tracker import db

        connection_created.connect(db.register_sqlite_functions)
