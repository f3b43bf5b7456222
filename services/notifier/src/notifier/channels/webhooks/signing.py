"""Secrets and signatures per the Standard Webhooks spec (``standardwebhooks``)."""

import base64
import hashlib
import secrets
from datetime import datetime

from standardwebhooks import Webhook

USER_AGENT = "Periplus-Webhooks/1.0"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_token() -> str:
    """The token that manages a subscription; only its hash is stored."""
    return "whtok_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def headers(message_id: str, body: str, keys: list[str], moment: datetime) -> dict[str, str]:
    """Headers of one attempt; during a rotation, signed with the new and the old secret."""
    signatures = " ".join(Webhook(key).sign(message_id, moment, body) for key in keys)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signatures,
    }
