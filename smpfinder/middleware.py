import errno
import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    # What a database that is unreachable, restarting or has dropped the connection raises
    # (a bad query is a different DatabaseError and still goes to the 500 handler), and what
    # Redis raises when it does not answer: with REDIS_URL set it holds the sessions, so a
    # signed-in page can't be served without it either.
    errors: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:
        return errors
    return (*errors, RedisConnectionError, RedisTimeoutError)


UNAVAILABLE = _unavailable_errors()


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page while the database (or Redis) is unreachable.

    Broken connections are closed so the next request opens a fresh one, which is what
    lets the site recover on its own as soon as the database is back (no restart).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.warning(
            "database or cache unavailable: %s", exception.__class__.__name__, extra={"request": request}
        )
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        # Rendered without the request: context processors may need the database too.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def _storage_errors() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # boto3 is only needed when S3 is configured
        return ()
    return (BotoCoreError, ClientError)


# A full or read-only disk, when files are on local disk.
_DISK_UNAVAILABLE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


class StorageUnavailableMiddleware:
    """Answer 503 with a plain explanation when the file storage fails during a request.

    The owners' services write files inside a transaction that removes them again on
    failure, so when S3 is down an upload leaves no row and no file: the page says so, and
    asks the owner to send the file again later.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.errors = _storage_errors()

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        disk_full = isinstance(exception, OSError) and exception.errno in _DISK_UNAVAILABLE
        if not (disk_full or (self.errors and isinstance(exception, self.errors))):
            return None
        logger.error("file storage unavailable: %s", exception.__class__.__name__, extra={"request": request})
        response = TemplateResponse(request, "503_storage.html", status=503).render()
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
