import os

from django.core.wsgi import get_wsgi_application

from peel.garbage import collect_between_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peel.settings")
application = get_wsgi_application()

# Full garbage collections run between requests, and never walk the app as loaded.
collect_between_requests()
