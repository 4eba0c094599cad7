#!/usr/bin/env python3
"""Small servers for chapter 04's registry tests (standard library and the
openssl command only).  The registry itself is always the real one
(docker-registry, the distribution project's); these are what surrounds a
registry in the world: a token server, an HTTPS proxy, a slow or
rate-limiting front, and the blob storage a registry redirects to.

    servers.py token --port P --sign-key K --sign-cert C --issuer I --service S
                     [--user NAME:PASSWORD]... [--tls-cert C --tls-key K]
        The token protocol of the distribution project: GET /token?service=
        &scope=repository:NAME:ACTIONS..., with or without Basic credentials.
        Anonymous clients get pull, known users pull and push; a wrong
        password gets 401.  Tokens are JWTs signed RS256 with openssl, the
        signing certificate in their x5c header.

    servers.py proxy --port P --map HOST:PORT=TARGET_PORT...
        An HTTP proxy for CONNECT only (HTTPS_PROXY): HOST:PORT in the map is
        tunnelled to 127.0.0.1:TARGET_PORT, anything else is refused.

    servers.py relay --port P --to TARGET_PORT [--rate BYTES_PER_SECOND]
        A TCP relay to 127.0.0.1:TARGET_PORT that sends the answers at most
        at the given rate, and logs each request line and Range header.

    servers.py ratelimit --port P
        A registry front that answers GET /v2/ and refuses everything else
        with 429 Too Many Requests, as Docker Hub does past its pull limit.

    servers.py files --port P --root DIR
        Serves the files under DIR (a registry's storage, as the target of
        its redirect middleware) and logs whether a request carried an
        Authorization header.

Every server listens on 127.0.0.1 only, logs one line per event to --log,
and exits after --lifetime seconds (default 600) whatever happens.
"""

import argparse
import base64
import http.server
import json
import os
import select
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

LOG_LOCK = threading.Lock()
LOG_PATH = None


def log(line):
    with LOG_LOCK:
        with open(LOG_PATH, "a") as f:
            f.write(line + "\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- token ----------------------------------------------------------------------------


class TokenHandler(http.server.BaseHTTPRequestHandler):
    opts = None
    der_cert = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def who(self):
        """(user, ok): the Basic credentials sent, if any, and whether they are right."""
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return None, True
        try:
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "?", False
        return name, ("%s:%s" % (name, password)) in self.opts.user

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.der_cert).decode()]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.opts.sign_key],
                                   input=signing_input.encode(), stdout=subprocess.PIPE,
                                   check=True).stdout
        return signing_input + "." + b64url(signature)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        user, ok = self.who()
        log("GET %s user=%s" % (self.path, user or "anonymous"))
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
        if not ok:
            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                "message": "incorrect username or password"}]})
        allowed = {"pull", "push"} if user else {"pull"}
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if a in allowed]
            if kind == "repository" and name:
                access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        token = self.sign({"iss": self.opts.issuer, "sub": user or "", "aud": self.opts.service,
                           "exp": now + 300, "nbf": now - 10, "iat": now,
                           "jti": base64.b16encode(os.urandom(8)).decode(), "access": access})
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})


def serve_token(opts):
    TokenHandler.opts = opts
    TokenHandler.der_cert = subprocess.run(
        ["openssl", "x509", "-in", opts.sign_cert, "-outform", "DER"],
        stdout=subprocess.PIPE, check=True).stdout
    server = http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), TokenHandler)
    if opts.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(opts.tls_cert, opts.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


# --- moving bytes ----------------------------------------------------------------------


def pump(a, b, rate=None, on_request=None):
    """Copy between sockets a (client) and b (upstream) until either closes."""
    sockets = [a, b]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 60)
            if not readable:
                return
            for s in readable:
                data = s.recv(16384 if rate is None else min(16384, max(1024, rate // 10)))
                if not data:
                    return
                if s is a:
                    if on_request:
                        on_request(data)
                    b.sendall(data)
                else:
                    a.sendall(data)
                    if rate:
                        time.sleep(len(data) / rate)
    except OSError:
        return


def read_head(sock):
    """The request head (up to the blank line), and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 65536:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


class ProxyHandler(socketserver.BaseRequestHandler):
    targets = {}

    def handle(self):
        head, rest = read_head(self.request)
        if head is None:
            return
        method, target = (head.split("\r\n")[0].split(" ") + ["", ""])[:2]
        port = self.targets.get(target)
        if method != "CONNECT" or port is None:
            log("refused %s %s" % (method, target))
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        log("CONNECT %s -> 127.0.0.1:%d" % (target, port))
        upstream = socket.create_connection(("127.0.0.1", port))
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        pump(self.request, upstream)
        upstream.close()


class RelayHandler(socketserver.BaseRequestHandler):
    to = 0
    rate = None

    def handle(self):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.to))
        except OSError as e:
            log("upstream down: %s" % e)
            return

        def on_request(data):
            for line in data.decode("latin-1").split("\r\n"):
                if line.split(" ")[0] in ("GET", "HEAD", "POST", "PUT", "PATCH"):
                    log(line)
                elif line.lower().startswith("range:"):
                    log("  " + line)

        pump(self.request, upstream, self.rate, on_request)
        upstream.close()


class RateLimitHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc, headers=()):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        log("GET %s" % self.path)
        if self.path == "/v2/":
            return self.reply(200, {})
        self.reply(429, {"errors": [{"code": "TOOMANYREQUESTS",
                                     "message": "You have reached your pull rate limit."}]},
                   [("Retry-After", "3600"), ("RateLimit-Limit", "100;w=21600"),
                    ("RateLimit-Remaining", "0;w=21600")])

    do_HEAD = do_GET


class FilesHandler(http.server.BaseHTTPRequestHandler):
    root = "/"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path = os.path.realpath(os.path.join(self.root, urllib.parse.unquote(
            urllib.parse.urlparse(self.path).path).lstrip("/")))
        log("GET %s authorization=%s" % (self.path,
                                         "yes" if "Authorization" in self.headers else "no"))
        if not path.startswith(self.root + os.sep) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    global LOG_PATH
    parser = argparse.ArgumentParser(description="test servers for chapter 04")
    parser.add_argument("kind", choices=["token", "proxy", "relay", "ratelimit", "files"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=float, default=600)
    parser.add_argument("--sign-key")
    parser.add_argument("--sign-cert")
    parser.add_argument("--issuer", default="mc-test-issuer")
    parser.add_argument("--service", default="mc-test-registry")
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--map", action="append", default=[])
    parser.add_argument("--to", type=int)
    parser.add_argument("--rate", type=int)
    parser.add_argument("--root")
    opts = parser.parse_args()
    LOG_PATH = opts.log

    # Never outlive the test: exit after the lifetime, whatever is running.
    timer = threading.Timer(opts.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    if opts.kind == "token":
        serve_token(opts)
        return
    if opts.kind == "proxy":
        for entry in opts.map:
            name, _, port = entry.rpartition("=")
            ProxyHandler.targets[name] = int(port)
        handler = ProxyHandler
    elif opts.kind == "relay":
        RelayHandler.to, RelayHandler.rate = opts.to, opts.rate
        handler = RelayHandler
    elif opts.kind == "ratelimit":
        http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), RateLimitHandler).serve_forever()
        return
    else:
        FilesHandler.root = os.path.realpath(opts.root)
        http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), FilesHandler).serve_forever()
        return
    Server(("127.0.0.1", opts.port), handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
