#!/usr/bin/python3
"""smtp-sink.py — an SMTP server for tests (tests/server/test-messages.c).

Listens on 127.0.0.1 on a free port and saves every message it accepts as
DIR/<n>.eml (the bytes as received, written to a temporary name and renamed,
so a reader never sees half a file), with the envelope in DIR/<n>.json.

  smtp-sink.py --dir DIR --port-file FILE [--user U --password P]
               [--tls-cert CERT --tls-key KEY] [--fail-next-file FILE]

--user/--password: AUTH PLAIN/LOGIN is offered and required before MAIL
(without TLS too: the tests speak to localhost).  --tls-cert/--tls-key:
STARTTLS is offered.  If the file named by --fail-next-file holds a number N
> 0, the next N messages are refused with "451 try again" (and N is
counted down).  Needs python3-aiosmtpd (Debian: /usr/bin/python3).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import die_with_parent  # noqa: F401  (a side effect: see the module)


class Sink:
    def __init__(self, directory, fail_file):
        self.directory = directory
        self.fail_file = fail_file
        self.count = 0

    def _take_failure(self):
        if not self.fail_file or not os.path.exists(self.fail_file):
            return False
        try:
            n = int(open(self.fail_file).read().strip() or "0")
        except ValueError:
            return False
        if n <= 0:
            return False
        with open(self.fail_file, "w") as f:
            f.write(str(n - 1))
        return True

    async def handle_DATA(self, server, session, envelope):
        if self._take_failure():
            return "451 4.3.0 Try again later (stand-in told to fail)"
        self.count += 1
        base = os.path.join(self.directory, "%06d" % self.count)
        tmp = base + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth": session.authenticated if hasattr(session, "authenticated") else None,
            "tls": session.ssl is not None,
            "at": time.time(),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(tmp, base + ".eml")
        return "250 2.0.0 OK queued as sink-%d" % self.count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--fail-next-file")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)

    kwargs = {}
    if a.user is not None:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == a.user
                  and auth_data.password.decode() == a.password)
            return AuthResult(success=ok)
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs.update(tls_context=ctx)

    controller = Controller(Sink(a.dir, a.fail_next_file), hostname="127.0.0.1", port=0,
                            server_hostname="localhost", **kwargs)
    # port=0: aiosmtpd 1.4 cannot report the bound port, so pick one first.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller.port = port
    controller.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
