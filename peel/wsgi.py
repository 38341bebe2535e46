import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peel.settings")
application = get_wsgi_application()

# What loading the app made (modules, models, settings, middleware) lives as long as the
# worker. Frozen, it is left out of every later garbage collection: otherwise each full
# collection walks all of it again and pauses whichever request is running (bench/run.py).
gc.freeze()
