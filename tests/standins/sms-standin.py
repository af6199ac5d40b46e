#!/usr/bin/env python3
"""sms-standin.py — a local stand-in for the HTTP JSON SMS provider that
voltbay-server speaks (server/messages/vb-sms-gateway.c; tests/server/
test-messages.c starts it).

  POST /send      {"to", "from", "text"} with Authorization: Bearer TOKEN and
                  Idempotency-Key; 200 {"id": "sms-N", "status": "queued"}.
                  The same Idempotency-Key again (after a success) replays the
                  first reply and is not delivered again, as real providers do.
                  401 without the token, 400 without to/text.

Test hooks (never part of a provider):
  POST /_fail     {"count": N, "status": 500}: the next N sends answer status
  POST /_hang     {"count": N, "seconds": S}: the next N sends are recorded,
                  then the reply waits S seconds (a crash test kills the caller)
  GET  /_requests {"requests": [{"path", "to", "text", "key", "auth", "status"}],
                   "delivered": [{"id", "to", "text", "key"}]}

  sms-standin.py --port-file FILE [--token TOKEN]
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import die_with_parent  # noqa: F401  (a side effect: see the module)

lock = threading.Lock()
state = {"requests": [], "delivered": [], "by_key": {}, "fail": 0, "fail_status": 500,
         "hang": 0, "hang_seconds": 0}
TOKEN = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("sms-standin: " + (fmt % args) + "\n")

    def _reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        if self.path == "/_requests":
            with lock:
                self._reply(200, {"requests": state["requests"], "delivered": state["delivered"]})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        body = self._body()
        if self.path == "/_fail":
            with lock:
                state["fail"] = int(body.get("count", 1))
                state["fail_status"] = int(body.get("status", 500))
            return self._reply(200, {"ok": True})
        if self.path == "/_hang":
            with lock:
                state["hang"] = int(body.get("count", 1))
                state["hang_seconds"] = float(body.get("seconds", 30))
            return self._reply(200, {"ok": True})
        if self.path != "/send":
            return self._reply(404, {"error": "not found"})
        auth = self.headers.get("Authorization", "")
        key = self.headers.get("Idempotency-Key")
        rec = {"path": self.path, "auth": auth, "key": key,
               "to": (body or {}).get("to"), "from": (body or {}).get("from"),
               "text": (body or {}).get("text"), "at": time.time()}
        hang = 0
        with lock:
            state["requests"].append(rec)
            if TOKEN is not None and auth != "Bearer " + TOKEN:
                rec["status"] = 401
            elif body is None or not body.get("to") or not body.get("text"):
                rec["status"] = 400
            elif state["fail"] > 0:
                state["fail"] -= 1
                rec["status"] = state["fail_status"]
            else:
                if state["hang"] > 0:
                    state["hang"] -= 1
                    hang = state["hang_seconds"]
                rec["status"] = 200
                if key is not None and key in state["by_key"]:
                    reply = state["by_key"][key]
                else:
                    reply = {"id": "sms-%d" % (len(state["delivered"]) + 1), "status": "queued"}
                    state["delivered"].append({"id": reply["id"], "to": body["to"],
                                               "text": body["text"], "key": key})
                    if key is not None:
                        state["by_key"][key] = reply
            status = rec["status"]
        if hang:
            time.sleep(hang)
        if status == 200:
            return self._reply(200, reply)
        return self._reply(status, {"error": {"status": status, "message": "stand-in refused"}})


def main():
    global TOKEN
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--token")
    a = p.parse_args()
    TOKEN = a.token
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
