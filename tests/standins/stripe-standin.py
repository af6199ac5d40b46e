#!/usr/bin/env python3
"""stripe-standin.py — a local stand-in for the part of Stripe's HTTP API
that voltbay-server speaks (tests/server/test-payments.c starts it).

Speaks the real protocol: form-encoded POST bodies, `Authorization: Bearer
<secret key>`, Stripe-shaped JSON objects and errors, and `Idempotency-Key`
honoured as Stripe does (a repeat with the same parameters gets the first
reply with `Idempotent-Replayed: true`; other parameters get a 400
idempotency_error; a key still in flight gets a 409 idempotency_key_in_use).

  POST /v1/payment_intents                 create (confirm=true charges at once)
  GET  /v1/payment_intents/{id}
  POST /v1/payment_intents/{id}/confirm | /capture | /cancel
  POST /v1/refunds                         (payment_intent, amount, reason)

Test payment methods (as in Stripe's test mode):
  pm_card_visa, pm_card_mastercard      succeed
  pm_card_chargeDeclined                402 card_error card_declined
  pm_card_threeDSecure2Required         requires_action until POST /_3ds/{pi}
Anything else is a 400 resource_missing naming payment_method.  An
e-wallet intent (payment_method_types[] not card, confirm=false) waits
for the payer: POST /_events with type payment_intent.succeeded pays it.

Test hooks (no authentication; never part of Stripe):
  GET  /_count       counters: {"payment_intents", "refunds", "requests", ...}
  POST /_3ds/{pi}    the cardholder passed 3-D Secure
  POST /_events      JSON {"url", "type", "payment_intent", "amount"?, "event_id"?,
                     "signature": "good"|"bad"|"none"|"old"} — changes the
                     intent as the event says (a charge.refunded makes a
                     refund, as a refund from Stripe's dashboard would), signs
                     the event with the webhook secret (Stripe-Signature
                     t=...,v1=HMAC-SHA256 over "t.payload") and POSTs it to
                     url; replies {"event_id", "status", "body"}.  The same
                     event_id sends the very same event again (a replay).

Usage: stripe-standin.py --secret-key sk_test_x --webhook-secret whsec_x
Prints "PORT <n>" on its first line of output, then serves until killed.
"""

import argparse
import hashlib
import hmac
import itertools
import json
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import die_with_parent  # noqa: F401  (a side effect: see the module)

CARDS = {
    "pm_card_visa": ("visa", "4242", "ok"),
    "pm_card_mastercard": ("mastercard", "4444", "ok"),
    "pm_card_chargeDeclined": ("visa", "0002", "decline"),
    "pm_card_threeDSecure2Required": ("visa", "3220", "3ds"),
}

lock = threading.Lock()
intents = {}
refunds = {}
events = {}
idempotency = {}     # key -> {"fingerprint", "status", "body"} (body None while in flight)
counters = {"requests": 0, "payment_intents": 0, "refunds": 0, "confirms": 0, "captures": 0,
            "cancels": 0, "idempotent_replays": 0, "webhooks_sent": 0}
serial = itertools.count(1)
args = None


def new_id(prefix):
    return "%s_%s%06d" % (prefix, secrets.token_hex(6), next(serial))


def stripe_error(status, type_, message, code=None, param=None, decline_code=None, intent=None):
    e = {"type": type_, "message": message}
    if code:
        e["code"] = code
    if param:
        e["param"] = param
    if decline_code:
        e["decline_code"] = decline_code
    if intent is not None:
        e["payment_intent"] = intent
    return status, {"error": e}


def pm_object(pm_id):
    brand, last4, _ = CARDS[pm_id]
    return {"id": pm_id, "object": "payment_method", "type": "card",
            "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034,
                     "funding": "credit", "country": "US"}}


def render(pi, expand):
    out = dict(pi)
    out.pop("_3ds_done", None)
    if "payment_method" in expand and pi["payment_method"] in CARDS:
        out["payment_method"] = pm_object(pi["payment_method"])
    return out


def charge(pi):
    pi["status"] = "succeeded"
    pi["amount_received"] = pi["amount"]
    pi["amount_capturable"] = 0
    pi["latest_charge"] = pi["latest_charge"] or new_id("ch")
    pi["next_action"] = None
    pi["last_payment_error"] = None


def attempt(pi):
    """Confirms pi with its payment method: (status, body) on a decline."""
    pm = pi["payment_method"]
    if pm is None:
        if pi["payment_method_types"] != ["card"]:
            pi["status"] = "requires_action"
            pi["next_action"] = {"type": "display_qr_code"}
            return None
        return stripe_error(400, "invalid_request_error",
                            "You cannot confirm this PaymentIntent because it's missing a payment method.",
                            code="payment_intent_unexpected_state", param="payment_method")
    outcome = CARDS[pm][2]
    if outcome == "decline":
        pi["status"] = "requires_payment_method"
        pi["last_payment_error"] = {"type": "card_error", "code": "card_declined",
                                    "decline_code": "generic_decline", "message": "Your card was declined."}
        return stripe_error(402, "card_error", "Your card was declined.", code="card_declined",
                            param="payment_method", decline_code="generic_decline", intent=render(pi, []))
    if outcome == "3ds" and not pi.get("_3ds_done"):
        pi["status"] = "requires_action"
        pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
        return None
    if pi["capture_method"] == "manual":
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
        pi["latest_charge"] = new_id("ch")
        pi["next_action"] = None
    else:
        charge(pi)
    return None


def create_intent(form):
    amount = form.get("amount", [None])[0]
    currency = form.get("currency", [None])[0]
    if amount is None or not amount.isdigit() or int(amount) < 1:
        return stripe_error(400, "invalid_request_error", "Invalid positive integer", code="parameter_invalid_integer",
                            param="amount")
    if not currency or len(currency) != 3:
        return stripe_error(400, "invalid_request_error", "Invalid currency", code="parameter_invalid_empty",
                            param="currency")
    pm = form.get("payment_method", [None])[0]
    if pm is not None and pm not in CARDS:
        return stripe_error(400, "invalid_request_error", "No such PaymentMethod: '%s'" % pm,
                            code="resource_missing", param="payment_method")
    pi = {"id": new_id("pi"), "object": "payment_intent", "amount": int(amount), "amount_received": 0,
          "amount_capturable": 0, "currency": currency.lower(),
          "capture_method": form.get("capture_method", ["automatic"])[0],
          "payment_method": pm, "payment_method_types": form.get("payment_method_types[]", ["card"]),
          "status": "requires_confirmation" if pm else "requires_payment_method",
          "description": form.get("description", [None])[0],
          "metadata": {k[9:-1]: v[0] for k, v in form.items() if k.startswith("metadata[")},
          "latest_charge": None, "next_action": None, "last_payment_error": None,
          "created": int(time.time()), "livemode": False}
    pi["client_secret"] = "%s_secret_%s" % (pi["id"], secrets.token_hex(8))
    intents[pi["id"]] = pi
    counters["payment_intents"] += 1
    if form.get("confirm", ["false"])[0] == "true":
        declined = attempt(pi)
        if declined:
            return declined
    return 200, render(pi, form.get("expand[]", []))


def intent_action(pi_id, action, form):
    pi = intents.get(pi_id)
    if pi is None:
        return stripe_error(404, "invalid_request_error", "No such payment_intent: '%s'" % pi_id,
                            code="resource_missing", param="intent")
    expand = form.get("expand[]", [])
    if action == "confirm":
        counters["confirms"] += 1
        if pi["status"] not in ("requires_confirmation", "requires_action", "requires_payment_method"):
            return stripe_error(400, "invalid_request_error",
                                "This PaymentIntent's status is %s: it cannot be confirmed." % pi["status"],
                                code="payment_intent_unexpected_state", intent=render(pi, expand))
        declined = attempt(pi)
        if declined:
            return declined
    elif action == "capture":
        counters["captures"] += 1
        if pi["status"] != "requires_capture":
            return stripe_error(400, "invalid_request_error",
                                "This PaymentIntent could not be captured because it has a status of %s."
                                % pi["status"], code="payment_intent_unexpected_state", intent=render(pi, expand))
        amount = int(form.get("amount_to_capture", [pi["amount"]])[0])
        if amount > pi["amount"] or amount < 1:
            return stripe_error(400, "invalid_request_error", "The amount to capture is invalid.",
                                code="amount_too_large", param="amount_to_capture")
        charge(pi)
        pi["amount_received"] = amount
    elif action == "cancel":
        counters["cancels"] += 1
        if pi["status"] in ("succeeded", "canceled"):
            return stripe_error(400, "invalid_request_error",
                                "You cannot cancel this PaymentIntent because it has a status of %s." % pi["status"],
                                code="payment_intent_unexpected_state", intent=render(pi, expand))
        pi["status"] = "canceled"
        pi["next_action"] = None
    return 200, render(pi, expand)


def make_refund(pi_id, amount, reason):
    pi = intents.get(pi_id)
    if pi is None:
        return stripe_error(400, "invalid_request_error", "No such payment_intent: '%s'" % pi_id,
                            code="resource_missing", param="payment_intent")
    if pi["status"] != "succeeded":
        return stripe_error(400, "invalid_request_error", "This PaymentIntent has no successful charge to refund.",
                            code="charge_not_refundable", param="payment_intent")
    refunded = sum(r["amount"] for r in refunds.values() if r["payment_intent"] == pi_id)
    amount = pi["amount_received"] - refunded if amount is None else amount
    if amount < 1 or refunded + amount > pi["amount_received"]:
        return stripe_error(400, "invalid_request_error",
                            "Refund amount (%d) is greater than unrefunded amount on charge (%d)"
                            % (amount, pi["amount_received"] - refunded),
                            code="amount_too_large", param="amount")
    r = {"id": new_id("re"), "object": "refund", "amount": amount, "currency": pi["currency"],
         "payment_intent": pi_id, "charge": pi["latest_charge"], "reason": reason, "status": "succeeded",
         "created": int(time.time())}
    refunds[r["id"]] = r
    counters["refunds"] += 1
    return 200, r


def charge_object(pi):
    rs = [r for r in refunds.values() if r["payment_intent"] == pi["id"]]
    refunded = sum(r["amount"] for r in rs)
    return {"id": pi["latest_charge"], "object": "charge", "payment_intent": pi["id"], "amount": pi["amount"],
            "amount_captured": pi["amount_received"], "amount_refunded": refunded, "currency": pi["currency"],
            "refunded": refunded >= pi["amount_received"],
            "refunds": {"object": "list", "data": rs, "has_more": False}}


def sign(payload, secret, stamp):
    mac = hmac.new(secret.encode(), ("%d." % stamp).encode() + payload, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (stamp, mac)


def send_event(spec):
    """Builds (or replays) an event and posts it: returns the reply for /_events."""
    with lock:
        event_id = spec.get("event_id")
        if event_id and event_id in events:
            payload = events[event_id]
        else:
            pi = intents.get(spec.get("payment_intent", ""))
            if pi is None:
                return 404, {"error": "no such payment_intent"}
            type_ = spec["type"]
            if type_ == "payment_intent.succeeded":
                charge(pi)
                obj = render(pi, [])
            elif type_ == "payment_intent.payment_failed":
                pi["status"] = "requires_payment_method"
                pi["last_payment_error"] = {"type": "card_error", "code": "payment_failed",
                                            "message": "The payer's wallet refused the payment."}
                obj = render(pi, [])
            elif type_ == "charge.refunded":
                status, r = make_refund(pi["id"], spec.get("amount"), "requested_by_customer")
                if status != 200:
                    return status, r
                obj = charge_object(pi)
            else:
                obj = render(pi, [])
            event_id = new_id("evt")
            payload = json.dumps({"id": event_id, "object": "event", "api_version": "2024-06-20",
                                  "created": int(time.time()), "livemode": False, "type": type_,
                                  "pending_webhooks": 1, "data": {"object": obj}}).encode()
            events[event_id] = payload
        counters["webhooks_sent"] += 1
    how = spec.get("signature", "good")
    now = int(time.time())
    headers = {"Content-Type": "application/json"}
    if how == "good":
        headers["Stripe-Signature"] = sign(payload, args.webhook_secret, now)
    elif how == "bad":
        headers["Stripe-Signature"] = sign(payload, "whsec_not_the_secret", now)
    elif how == "old":
        headers["Stripe-Signature"] = sign(payload, args.webhook_secret, now - 600)
    req = urllib.request.Request(spec["url"], data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            status, body = reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode()
    return 200, {"event_id": event_id, "status": status, "body": body}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, body, replayed=False):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized(self):
        if self.headers.get("Authorization") == "Bearer " + args.secret_key:
            return True
        self.reply(*stripe_error(401, "invalid_request_error", "Invalid API Key provided."))
        return False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_count":
            with lock:
                return self.reply(200, dict(counters))
        with lock:
            counters["requests"] += 1
        if not self.authorized():
            return
        parts = url.path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["v1", "payment_intents"]:
            with lock:
                pi = intents.get(parts[2])
                if pi is None:
                    return self.reply(*stripe_error(404, "invalid_request_error",
                                                    "No such payment_intent: '%s'" % parts[2],
                                                    code="resource_missing", param="intent"))
                q = urllib.parse.parse_qs(url.query)
                return self.reply(200, render(pi, q.get("expand[]", [])))
        self.reply(*stripe_error(404, "invalid_request_error", "Unrecognized request URL (GET: %s)" % url.path))

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.body()
        parts = url.path.strip("/").split("/")
        if url.path == "/_events":
            return self.reply(*send_event(json.loads(raw)))
        if parts[0] == "_3ds" and len(parts) == 2:
            with lock:
                if parts[1] not in intents:
                    return self.reply(404, {"error": "no such payment_intent"})
                intents[parts[1]]["_3ds_done"] = True
            return self.reply(200, {"ok": True})
        with lock:
            counters["requests"] += 1
        if not self.authorized():
            return
        if "application/x-www-form-urlencoded" not in (self.headers.get("Content-Type") or ""):
            return self.reply(*stripe_error(400, "invalid_request_error", "Bodies are form-encoded."))
        form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
        key = self.headers.get("Idempotency-Key")
        fingerprint = hashlib.sha256(("POST %s\n" % url.path).encode() + raw).hexdigest()
        with lock:
            if key is not None:
                seen = idempotency.get(key)
                if seen is not None:
                    if seen["fingerprint"] != fingerprint:
                        return self.reply(*stripe_error(
                            400, "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters they "
                            "were first used with. Try using a key other than '%s' if you meant to execute "
                            "a different request." % key))
                    if seen["body"] is None:
                        return self.reply(*stripe_error(
                            409, "invalid_request_error",
                            "There is currently another in-progress request using this Idempotent Key.",
                            code="idempotency_key_in_use"))
                    counters["idempotent_replays"] += 1
                    return self.reply(seen["status"], seen["body"], replayed=True)
                idempotency[key] = {"fingerprint": fingerprint, "status": None, "body": None}
            status, body = self.route(parts, form)
            if key is not None:
                # Stripe does not keep 5xx (and 429) replies against the key.
                if status >= 500 or status == 429:
                    del idempotency[key]
                else:
                    idempotency[key].update(status=status, body=body)
        self.reply(status, body)

    def route(self, parts, form):
        if parts == ["v1", "payment_intents"]:
            return create_intent(form)
        if len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] in ("confirm", "capture", "cancel"):
            return intent_action(parts[2], parts[3], form)
        if parts == ["v1", "refunds"]:
            amount = form.get("amount", [None])[0]
            return make_refund(form.get("payment_intent", [""])[0], int(amount) if amount else None,
                               form.get("reason", [None])[0])
        return stripe_error(404, "invalid_request_error", "Unrecognized request URL (POST: /%s)" % "/".join(parts))


def main():
    global args
    p = argparse.ArgumentParser(description="A local stand-in for Stripe's payment API")
    p.add_argument("--secret-key", required=True)
    p.add_argument("--webhook-secret", required=True)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
