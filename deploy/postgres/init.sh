#!/bin/bash
# Each service owns one database through a role of its own, with its own password:
# a service broken into can reach no other service's tables. The postgres image runs
# this once, on an empty data directory, as its superuser ($POSTGRES_USER).
#
# For each name in PERIPLUS_DATABASES (default: the four services), the password
# comes from <NAME>_DB_PASSWORD, e.g. TRIPS_DB_PASSWORD.
set -euo pipefail

# The server's own databases, and the image's default one ($POSTGRES_DB), which anyone
# may connect to unless told otherwise, take no service's connections either.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=default="${POSTGRES_DB:-$POSTGRES_USER}" <<'SQL'
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
FROM pg_database WHERE datname IN ('postgres', 'template1', :'default') \gexec
SQL

for name in ${PERIPLUS_DATABASES:-trips ledger notifier witness}; do
    variable="${name^^}_DB_PASSWORD"
    password="${!variable:?set $variable, the password of the $name role}"
    # The password reaches psql through its environment, not its arguments, which every
    # user of the host can read (ps); \getenv (psql 15+) takes it, :'password' quotes it.
    ROLE_PASSWORD="$password" psql --no-psqlrc -v ON_ERROR_STOP=1 \
        --username "$POSTGRES_USER" --dbname postgres --set=name="$name" <<'SQL'
\getenv password ROLE_PASSWORD
-- The statement that names the password is logged nowhere, whatever the server logs.
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = 'panic';
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
