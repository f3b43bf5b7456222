"""What the notifier trusts, pinned in its own configuration and nowhere else.

The ledger's key and the witnesses whose cosignatures a checkpoint needs come
from a C2SP tlog-policy file; each source's keys from the settings. Nothing
read from the ledger or the broker can change them, so neither can make the
public pages show a fact that its source did not sign or that the log and its
witnesses did not commit to.
"""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from notifier.settings import Settings
from periplus.note import NoteError, Verifier
from periplus.policy import Policy, PolicyError, read_policy
from periplus.sources import SourceKeys


class TrustError(ValueError):
    """Trust settings that are missing or unusable; the message names the setting."""


@dataclass(frozen=True)
class Trust:
    policy: Policy
    sources: SourceKeys
    ledger_source: str
    """The source of the ledger's own notices, which the log key signs."""
    unsigned_before: int = 0
    """Entries below this index may be unsigned ``periplus.event/1``, from before signatures."""

    @property
    def log_keys(self) -> list[Verifier]:
        return [log.key for log in self.policy.logs]

    def source_spans(self) -> dict[str, list[dict[str, Any]]]:
        """Every source's keys (the ledger's own included) as verifier key strings, with the
        seqs each may sign, as a browser checks them: a key that a rotation retired
        verifies nothing its source numbered after the rotation."""
        names = sorted({self.ledger_source, *self.sources.names()})
        return {
            name: [
                {"key": str(key), "first": first, "last": last}
                for key, first, last in self.sources.spans(name)
            ]
            for name in names
        }


def load(policy_file: Path, source_keys: dict[str, list[str]], ledger_source: str) -> Trust:
    """The trust of a notifier; a malformed file or key stops it at start-up."""
    policy = read_policy(policy_file)
    sources = SourceKeys.configured(source_keys)
    for log in policy.logs:
        # The ledger's notices are signed by the log key under its source's name.
        sources.trust(ledger_source, Verifier(ledger_source, log.key.public_key))
    return Trust(policy, sources, ledger_source)


def configured(settings: Settings) -> Trust:
    """The trust a notifier's settings pin; it refuses to start without one it can use."""
    path = settings.trust_policy_file
    if path is None:
        raise TrustError(
            "NOTIFIER_TRUST_POLICY_FILE is not set: name the C2SP tlog-policy file that pins "
            "the ledger's key (and the witnesses its checkpoints need); the notifier shows "
            "only entries that verify under it"
        )
    if not settings.source_keys:
        raise TrustError(
            "NOTIFIER_SOURCE_KEYS is empty: give each source's verifier keys, "
            'as JSON {"<city>/trips-api": ["<vkey>"]}; no entry could be shown without them'
        )
    if settings.ledger_source in settings.source_keys:
        raise TrustError(
            f"NOTIFIER_SOURCE_KEYS names {settings.ledger_source}, the ledger's own source "
            "(NOTIFIER_LEDGER_SOURCE), whose notices the log key signs"
        )
    try:
        trust = load(path, settings.source_keys, settings.ledger_source)
    except OSError as exc:
        raise TrustError(f"NOTIFIER_TRUST_POLICY_FILE: cannot read {path}: {exc}") from exc
    except PolicyError as exc:
        raise TrustError(f"NOTIFIER_TRUST_POLICY_FILE: {path}, {exc}") from exc
    except NoteError as exc:
        raise TrustError(f"NOTIFIER_SOURCE_KEYS: {exc}") from exc
    if not trust.log_keys:
        raise TrustError(f"NOTIFIER_TRUST_POLICY_FILE: {path} lists no log")
    return replace(trust, unsigned_before=settings.unsigned_before)
