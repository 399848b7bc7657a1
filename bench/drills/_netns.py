"""Network namespaces for the several-hosts drill: one "host" per namespace, linked to this
machine by a veth pair on a /30 of its own, and TCP forwarders on the machine's end of each link
to PostgreSQL, Redis and the sandbox (which listen on 127.0.0.1).

Every name starts with ``fbdrill-<pid>`` (interfaces ``fbd<pid><n>h``/``...n``), the drill only
touches what it created and removes all of it on exit, failure included. Needs root.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from dataclasses import dataclass


def ip(*arguments: str, check: bool = True) -> str:
    return subprocess.run(["ip", *arguments], check=check, capture_output=True, text=True).stdout


@dataclass
class Host:
    name: str  # the namespace
    host_end: str  # interface on this machine
    host_address: str  # this machine's address on the link
    address: str  # the namespace's address

    @property
    def wrap(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def cut(self) -> None:
        ip("link", "set", self.host_end, "down")

    def restore(self) -> None:
        ip("link", "set", self.host_end, "up")


def _free_prefix() -> str:
    """A 10.x.y.0/24 no interface of this machine uses, derived from our pid."""
    used = ip("-o", "-4", "addr", "show")
    pid = os.getpid()
    for attempt in range(200):
        prefix = f"10.{200 + (pid + attempt) % 50}.{(pid // 50 + attempt) % 250}."
        if f" {prefix}" not in used:
            return prefix
    raise RuntimeError("no free 10.x.y.0/24 for the drill's links")


class Hosts:
    """Namespaces created by ``add``; ``remove_all`` deletes them (and their veth pairs)."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise PermissionError("the several-hosts drill needs root (ip netns)")
        self.tag = f"fbdrill-{os.getpid()}"
        self.prefix = _free_prefix()
        self.hosts: list[Host] = []

    def add(self, role: str) -> Host:
        index = len(self.hosts)
        name = f"{self.tag}-{role}"
        short = f"fbd{os.getpid() % 100000}{index}"
        host_end, ns_end = f"{short}h", f"{short}n"
        host_address = f"{self.prefix}{4 * index + 1}"
        address = f"{self.prefix}{4 * index + 2}"
        ip("netns", "add", name)
        host = Host(name, host_end, host_address, address)
        self.hosts.append(host)
        ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
        ip("link", "set", ns_end, "netns", name)
        ip("addr", "add", f"{host_address}/30", "dev", host_end)
        ip("link", "set", host_end, "up")
        ip("-n", name, "addr", "add", f"{address}/30", "dev", ns_end)
        ip("-n", name, "link", "set", ns_end, "up")
        ip("-n", name, "link", "set", "lo", "up")
        return host

    def remove_all(self) -> None:
        for host in self.hosts:
            ip("link", "delete", host.host_end, check=False)
            ip("netns", "delete", host.name, check=False)
        self.hosts = []


class Forwarders:
    """TCP forwarders in a background event loop: ``add(listen_host, target_port)`` listens on a
    free port of ``listen_host`` and pipes each connection to 127.0.0.1:``target_port``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.servers: list[asyncio.base_events.Server] = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def add(self, listen_host: str, target_port: int) -> int:
        async def start() -> int:
            server = await asyncio.start_server(
                lambda reader, writer: self._pipe(reader, writer, target_port), listen_host, 0
            )
            self.servers.append(server)
            return server.sockets[0].getsockname()[1]

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=10)

    async def _pipe(self, reader, writer, target_port: int) -> None:
        try:
            target_reader, target_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return

        async def copy(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                sink.close()

        await asyncio.gather(copy(reader, target_writer), copy(target_reader, writer))

    def close(self) -> None:
        async def stop() -> None:
            for server in self.servers:
                server.close()
            # Open pipes end here, not as "Task was destroyed but it is pending!" at loop close.
            pipes = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pipes:
                task.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
