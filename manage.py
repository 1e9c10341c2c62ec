#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    # Migrations and commands (purge_inquiries, harvest_report) may run long: no statement or query
    # timeout for them unless given (the servers' limits: settings.py, docs/production.md).
    for name in ("DB_STATEMENT_TIMEOUT", "DB_IDLE_IN_TRANSACTION_TIMEOUT", "DB_QUERY_TIMEOUT"):
        os.environ.setdefault(name, "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
