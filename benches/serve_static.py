#!/usr/bin/env python3
"""Serves a static snapshot of a site on 127.0.0.1: `serve_static.py DIR PORT` (PORT 0 picks one and prints it).

Snapshots of sites with pretty URLs keep `mentions-legales.html` for `/mentions-legales`: both are answered.
Used by benches/corpus.sh and benches/accuracy.py.
"""
import http.server, os, sys, threading


class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        local = super().translate_path(path)
        if not os.path.exists(local) and os.path.exists(local + ".html"):
            return local + ".html"
        return local

    def log_message(self, *args):
        pass


def start(directory, port=0):
    """Starts serving `directory` in a thread; returns the server (its port is server.server_address[1])."""
    handler = lambda *a, **k: Handler(*a, directory=str(directory), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    server = start(sys.argv[1], int(sys.argv[2]))
    print(server.server_address[1], flush=True)
    threading.Event().wait()
