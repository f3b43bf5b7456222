-- Each service owns its own database; none reads another's tables.
CREATE DATABASE trips;
CREATE DATABASE ledger;
CREATE DATABASE notifier;
CREATE DATABASE witness;
