"""The log's Ed25519 key: from the environment, or a 0600 file made on first start.

The same key signs the ledger's own entries (withholding notices) under the
name of the ledger's source, so a reader who pins the log key can check them.
"""

from ledger.log.last_signed import LastSigned
from ledger.settings import Settings
from periplus import keyfile
from periplus.note import Signer


def load_signer(settings: Settings) -> Signer:
    seed = settings.signing_key.get_secret_value() if settings.signing_key else None
    key = keyfile.load(seed, settings.signing_key_file)
    return Signer(settings.origin, key)


def last_signed(settings: Settings) -> LastSigned:
    """The record of the newest checkpoint signed, which every signing checks and updates."""
    return LastSigned(settings.signed_checkpoint_path, settings.origin)


def source_signer(settings: Settings, signer: Signer) -> Signer:
    """The log key under the name of the ledger's own source: what signs its notices."""
    return Signer(settings.own_source, signer.private_key)


class Keys:
    """The signer in use; reloaded when this process becomes the writer (after a rotation)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.made_new = not settings.signing_key and not settings.signing_key_file.exists()
        self.signer = load_signer(settings)
        self.last_signed = last_signed(settings)

    @property
    def source_signer(self) -> Signer:
        """The log key under the name of the ledger's own source."""
        return source_signer(self.settings, self.signer)

    def reload(self) -> None:
        self.signer = load_signer(self.settings)
