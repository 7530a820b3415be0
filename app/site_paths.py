"""Redirect targets that stay on this site: the only ``next`` a page may send a browser to."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")


def is_site_path(target: object) -> bool:
    """Whether ``target`` is a path of this site.

    Refuses schemes, hosts (``//host``), backslashes (browsers read ``/\\host`` as a host),
    control characters and anything outside the URL path and query characters, checked on the
    text as given and once percent-decoded.
    """
    return isinstance(target, str) and bool(_PATH.fullmatch(target)) and _is_local(unquote(target))


def _is_local(path: str) -> bool:
    parts = urlsplit(path)
    return (
        path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and not any(c < " " or c == "\x7f" for c in path)
        and not parts.scheme
        and not parts.netloc
    )
