# Copyright 2026 The Backstage Mercurial Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# The server of startHgwebWsgi (wsgiServer.ts): Mercurial's own hgweb WSGI
# application (mercurial.hgweb.hgwebdir over a web.conf), as production runs
# it, served by the standard library's wsgiref with one thread per request,
# behind an HTTP Basic authentication middleware that sets REMOTE_USER, so
# that hgweb's allow_read / deny_read / allow-push / deny_push decide.
#
# Settings come as one JSON line on stdin (never in argv, where `ps` would
# show the passwords and the mint secret):
#   {"webConf": "/abs/web.conf", "realm": "...", "users": {"alice": "pw"},
#    "mintSecret": "..." | null, "accessLog": "/abs/access.log"}
# After that line, stdin stays open: the process exits as soon as it reaches
# EOF (the parent is gone).
#
# stdout: one JSON object a line: {"event":"listening","port":N} once, then
# {"event":"request","method","path","query","user"?,"status"} per answered
# request. The request lines also go to the file "accessLog" of the settings,
# each with one write(2) completed before the first byte of the response is
# sent: a client that has its answer finds the line there (the stdout pipe
# may be read later than the response socket).

import base64
import hashlib
import hmac
import json
import os
import socketserver
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

settings = json.loads(sys.stdin.buffer.readline().decode('utf-8'))

from mercurial.hgweb import hgwebdir  # noqa: E402 (after reading settings)

_out_lock = threading.Lock()


_access_log = os.open(
    settings['accessLog'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
)


def report(event):
    line = json.dumps(event, separators=(',', ':')) + '\n'
    with _out_lock:
        if event.get('event') == 'request':
            data = line.encode('utf-8')
            while data:
                data = data[os.write(_access_log, data) :]
        sys.stdout.write(line)
        sys.stdout.flush()


def _watch_parent():
    try:
        while os.read(0, 4096):
            pass
    except Exception:
        pass
    os._exit(0)


USERS = {
    name.encode('utf-8'): password.encode('utf-8')
    for name, password in (settings.get('users') or {}).items()
}
MINT_SECRET = (settings.get('mintSecret') or '').encode('utf-8') or None
REALM = settings.get('realm') or 'Mercurial'


def minted_password_valid(user, password):
    """v1.<expiry epoch seconds>.<hex HMAC-SHA256(secret, user + "\\n" + expiry)>"""
    if MINT_SECRET is None:
        return False
    parts = password.split(b'.')
    if len(parts) != 3 or parts[0] != b'v1' or not parts[1].isdigit():
        return False
    expected = hmac.new(
        MINT_SECRET, user + b'\n' + parts[1], hashlib.sha256
    ).hexdigest().encode('ascii')
    if not hmac.compare_digest(expected, parts[2].lower()):
        return False
    return int(parts[1]) > time.time()


def authenticate(environ):
    """The user name of valid Basic credentials, else None."""
    header = environ.get('HTTP_AUTHORIZATION', '')
    scheme, _, value = header.strip().partition(' ')
    if scheme.lower() != 'basic' or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except Exception:
        return None
    user, sep, password = decoded.partition(b':')
    if not sep or not user:
        return None
    known = USERS.get(user)
    valid = False
    if known is not None and hmac.compare_digest(known, password):
        valid = True
    elif minted_password_valid(user, password):
        valid = True
    if not valid:
        return None
    try:
        return user.decode('utf-8')
    except UnicodeDecodeError:
        return None


def drain_body(environ):
    """Reads the request body, so that the client sees the answer rather than
    a connection reset when it sent a body we do not read."""
    try:
        length = int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        return
    stream = environ['wsgi.input']
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            break
        length -= len(chunk)


def wsgi_text(value):
    """A WSGI (latin-1 decoded) string as the text it encodes."""
    try:
        return value.encode('latin-1').decode('utf-8', 'replace')
    except UnicodeEncodeError:
        return value


HOP_BY_HOP = {
    'connection',
    'keep-alive',
    'proxy-authenticate',
    'proxy-authorization',
    'te',
    'trailers',
    'transfer-encoding',
    'upgrade',
}


class AuthMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        user = authenticate(environ)
        entry = {
            'event': 'request',
            'method': environ.get('REQUEST_METHOD', ''),
            'path': wsgi_text(environ.get('PATH_INFO', '')),
            'query': wsgi_text(environ.get('QUERY_STRING', '')),
        }
        if user is not None:
            entry['user'] = user

        def respond(status, headers, exc_info=None):
            entry['status'] = int(status.split(' ', 1)[0])
            report(entry)
            # hgweb may ask for `Connection: close`; wsgiref refuses hop-by-hop
            # headers and closes every connection after one request anyway.
            kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
            return start_response(status, kept, exc_info)

        if user is None:
            drain_body(environ)
            body = b'authentication required\n'
            respond(
                '401 Unauthorized',
                [
                    ('WWW-Authenticate', 'Basic realm="%s"' % REALM),
                    ('Content-Type', 'text/plain; charset=utf-8'),
                    ('Content-Length', str(len(body))),
                ],
            )
            return [body]
        environ['REMOTE_USER'] = user
        environ['AUTH_TYPE'] = 'Basic'
        return self.app(environ, respond)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of more concurrent
    # connections has the rest dropped and retried by the client a second
    # later. Production servers (Apache, gunicorn) listen with 100 or more.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the JSON lines are the access log
        pass


def main():
    threading.Thread(target=_watch_parent, name='parent-watchdog', daemon=True).start()
    app = AuthMiddleware(hgwebdir(os.fsencode(settings['webConf'])))
    server = make_server(
        '127.0.0.1',
        0,
        app,
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    report({'event': 'listening', 'port': server.server_address[1]})
    server.serve_forever()


main()
