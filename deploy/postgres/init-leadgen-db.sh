#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: the application's
# own role and database beside Dagster's, so neither can touch the other's
# tables. The password comes from the environment and reaches psql as a
# variable (:'app_password'), never through the shell or the command line.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=app_password="$LEADGEN_DB_PASSWORD" <<'SQL'
CREATE ROLE leadgen LOGIN PASSWORD :'app_password';
CREATE DATABASE leadgen OWNER leadgen;
SQL
