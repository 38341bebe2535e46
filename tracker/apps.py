from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "PEEL Action Tracker"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created

        from tracker import db, security

        connection_created.connect(db.register_sqlite_functions)
        auth_signals.user_logged_in.connect(security.on_user_logged_in)
        auth_signals.user_logged_out.connect(security.on_user_logged_out)
        auth_signals.user_login_failed.connect(security.on_user_login_failed)
        user_locked_out.connect(security.on_user_locked_out)
