"""``broker apply``, ``broker definitions`` and ``system add``: the broker users' commands.

``broker apply`` creates (or updates) every platform service's user and every sector system stored
under the prefix, with their permissions, in the vhost of ``AMQP_URI``; ``broker definitions`` prints
(or writes, mode 0600) the same as a RabbitMQ definitions file; ``system add NAME --sector SECTOR``
creates one sector system's user and prints the ``amqp_uri`` it must use. Passwords are made once and
kept under ``var/access/`` (``tools.access.passwords``); nothing here prints a service's password.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from tools.access.declarations import PLATFORM_SERVICES
from tools.access.passwords import PasswordStore
from tools.access.rabbitmq import administrator, virtual_host
from tools.access.users import (
    add_system,
    amqp_uri,
    definitions_document,
    service_users,
    system_users,
    user_prefix,
    with_login,
)

ADMIN_FIX = ("run it where rabbitmqctl reaches the broker's node (as root or the rabbitmq user), or set "
             "RABBITMQ_MANAGEMENT_URL=http://ADMIN:PASSWORD@HOST:15672/")


def register(subparsers: argparse._SubParsersAction) -> None:
    broker = subparsers.add_parser("broker", help="the platform's broker users and their permissions")
    actions = broker.add_subparsers(dest="action", required=True)
    actions.add_parser("apply", help="create or update every user in the vhost of AMQP_URI").set_defaults(
        run=apply_users)
    definitions = actions.add_parser("definitions", help="print or write the RabbitMQ definitions file")
    definitions.add_argument("--output", type=Path, help="write it here (mode 0600) instead of printing it")
    definitions.set_defaults(run=write_definitions)
    system = subparsers.add_parser("system", help="a sector system's broker user")
    system_actions = system.add_subparsers(dest="action", required=True)
    add = system_actions.add_parser("add", help="create a system's user; prints the amqp_uri it must use")
    add.add_argument("name", help="lower-case letters, digits, '_' and '-', e.g. his")
    add.add_argument("--sector", action="append", required=True, choices=PLATFORM_SERVICES,
                     help="a sector whose RPCs it calls (repeat for several)")
    add.set_defaults(run=add_system_user)


def cannot_administer(problem: str) -> int:
    print(f"Cannot administer the broker: {problem}; {ADMIN_FIX}.", file=sys.stderr)
    return 2


def apply_users(arguments: argparse.Namespace) -> int:
    uri, prefix, store = amqp_uri(), user_prefix(), PasswordStore()
    admin = administrator(uri)
    if problem := admin.problem():
        return cannot_administer(problem)
    users = service_users(store, prefix) + system_users(store, prefix)
    admin.apply([(grant, credentials.password) for grant, credentials in users])
    for _, credentials in users:
        print(f"{credentials.user}: permissions set in vhost {virtual_host(uri)!r}; password in "
              f"{store.path(credentials.user)} (Kubernetes Secret {credentials.secret_name})")
    return 0


def write_definitions(arguments: argparse.Namespace) -> int:
    uri, prefix, store = amqp_uri(), user_prefix(), PasswordStore()
    document = definitions_document(service_users(store, prefix) + system_users(store, prefix), uri)
    text = json.dumps(document, indent=2) + "\n"
    if arguments.output is None:
        sys.stdout.write(text)
        return 0
    descriptor = os.open(arguments.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    print(f"wrote {arguments.output} ({len(document['users'])} users)")
    return 0


def add_system_user(arguments: argparse.Namespace) -> int:
    uri, prefix, store = amqp_uri(), user_prefix(), PasswordStore()
    try:
        grant, credentials = add_system(store, prefix, arguments.name, arguments.sector)
    except ValueError as error:
        print(f"Cannot add the system: {error}", file=sys.stderr)
        return 2
    admin = administrator(uri)
    if problem := admin.problem():
        return cannot_administer(problem)
    admin.apply([(grant, credentials.password)])
    print(json.dumps({"user": credentials.user, "sectors": list(credentials.sectors),
                      "amqp_uri": with_login(uri, credentials.user, credentials.password),
                      "secret_name": credentials.secret_name,
                      "password_file": str(store.path(credentials.user))}, indent=2))
    return 0
