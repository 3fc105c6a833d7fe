"""Hostile shops on 127.0.0.1 for benches/hostile.sh: one site per port, each a case of issue 16.

    python3 benches/hostile_server.py PORT      serves PORT+0 ... PORT+5

+0 nul      5 MiB of NUL bytes served as text/html
+1 bomb     a gzip bomb (1 GiB of zeros) as text/html
+2 deep     200,000 unclosed <div> (1.2 MB)
+3 trap     a page family: every page links 2,000 new pages
+4 sitemap  a 100 MB sitemap (robots.txt names it), about 2 million URLs
+5 all      every case above, linked from one home page
Not a test: it serves forever, until killed.
"""
import gzip, http.server, io, socketserver, sys, zlib

import threading

PORT = int(sys.argv[1])
CASES = ["nul", "bomb", "deep", "trap", "sitemap", "all"]
HEADER = '<header>Service client : 04 72 00 11 22 <a href="contact">Contact</a></header>'

def page(body):
    return f"<!doctype html><html lang=fr><head><meta charset=utf-8><title>p</title></head><body>{HEADER}<main>{body}</main></body></html>".encode()

def bomb():
    # 1 GiB of zeros compresses to about 1 MB: built once, streamed as is.
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    out = io.BytesIO()
    for _ in range(1024):
        out.write(z.compress(chunk))
    out.write(z.flush())
    return out.getvalue()

BOMB = bomb()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, body, ctype="text/html", extra=()):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def stream(self, ctype, chunks):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for c in chunks:
                self.wfile.write(c)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        case = CASES[self.server.server_address[1] - PORT]
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        rest = self.path.lstrip("/")
        if rest == "robots.txt":
            sm = f"Sitemap: {base}/huge.xml\n" if case in ("sitemap", "all") else ""
            return self.send(f"User-agent: *\nAllow: /\n{sm}".encode(), "text/plain")
        if rest == "sitemap.xml":
            return self.send(b"not found", "text/plain")
        if rest == "huge.xml":
            def urls():
                yield b"<urlset>"
                line = "".join(f"<url><loc>{base}/s/{i:07d}</loc></url>" for i in range(1000)).encode()
                for _ in range(100 * 1024 * 1024 // len(line)):
                    yield line
                yield b"</urlset>"
            return self.stream("application/xml", urls())
        if rest == "nul.html" or (case == "nul" and rest == ""):
            return self.send(b"\0" * (5 << 20))
        if rest == "bomb.html" or (case == "bomb" and rest == ""):
            return self.send(BOMB, extra=[("Content-Encoding", "gzip")])
        if rest == "deep.html" or (case == "deep" and rest == ""):
            return self.send(page("<div>" * 200_000))
        if case == "trap" or rest.startswith("t/"):
            here = rest.replace("/", "-") or "t"
            links = "".join(f'<a href="/t/{here}x{i}">{i}</a>' for i in range(2000))
            return self.send(page(links))
        if case == "all" and rest == "":
            return self.send(page('<a href="nul.html">a</a><a href="bomb.html">b</a><a href="deep.html">c</a><a href="t/0">d</a>'))
        self.send(page("<p>page</p>"))

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

servers = [Server(("127.0.0.1", PORT + i), Handler) for i in range(len(CASES))]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
servers[0].serve_forever()
