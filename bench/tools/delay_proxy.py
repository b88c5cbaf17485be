#!/usr/bin/env python3
"""A userspace WAN emulator: a TCP proxy on 127.0.0.1 that delays every byte by DELAY ms in each direction.

The kernel's netem is not available here, and a plain delaying proxy would hide the delay from TCP (it acknowledges
bytes at once, so a sender would never wait for the far end). To keep end-to-end flow control honest the proxy is
"ack-clocked": a byte counts as in flight from the moment it is read until DELAY ms after it was delivered (the time
its acknowledgement would take to travel back), and the proxy stops reading a direction while WINDOW bytes are in
flight. A connection through the proxy then behaves like a TCP connection with a WINDOW-byte send window over a
path with RTT = 2 * DELAY; run.sh sets WINDOW to this host's net.ipv4.tcp_wmem maximum, the most a Linux sender
here keeps unacknowledged.

usage: delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS WINDOW_BYTES [SECONDS]
"""
import asyncio
import sys
import time

HOST = "127.0.0.1"


class Direction:
    """One direction of one connection: bytes read from `src` are written to `dst` after the delay."""

    def __init__(self, loop, delay, window):
        self.loop = loop
        self.delay = delay
        self.window = window
        self.inflight = 0
        self.src = None  # transport we read from
        self.dst = None  # transport we write to
        self.dst_paused = False
        self.reading_paused = False
        self.closed = False

    def on_data(self, data):
        n = len(data)
        self.inflight += n
        self.loop.call_later(self.delay, self._deliver, data)
        self._update()

    def on_eof(self):
        self.loop.call_later(self.delay, self._deliver_eof)

    def _deliver(self, data):
        if self.dst is not None and not self.dst.is_closing():
            self.dst.write(data)
        self.loop.call_later(self.delay, self._ack, len(data))

    def _deliver_eof(self):
        if self.dst is not None and not self.dst.is_closing():
            if self.dst.can_write_eof():
                self.dst.write_eof()
            else:
                self.dst.close()

    def _ack(self, n):
        self.inflight -= n
        self._update()

    def _update(self):
        if self.src is None or self.src.is_closing():
            return
        should_pause = self.inflight >= self.window or self.dst_paused
        if should_pause and not self.reading_paused:
            self.reading_paused = True
            self.src.pause_reading()
        elif not should_pause and self.reading_paused:
            self.reading_paused = False
            self.src.resume_reading()


class Side(asyncio.Protocol):
    """One socket of a proxied connection."""

    def __init__(self, inbound, outbound, on_lost):
        self.inbound = inbound    # Direction whose src is this socket
        self.outbound = outbound  # Direction whose dst is this socket
        self.on_lost = on_lost
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=4 * 1024 * 1024)
        self.inbound.src = transport
        self.outbound.dst = transport
        self.inbound._update()

    def data_received(self, data):
        self.inbound.on_data(data)

    def eof_received(self):
        self.inbound.on_eof()
        return True  # keep the other half open

    def pause_writing(self):
        self.outbound.dst_paused = True
        self.outbound._update()

    def resume_writing(self):
        self.outbound.dst_paused = False
        self.outbound._update()

    def connection_lost(self, exc):
        self.on_lost(self)


def main():
    listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    delay = int(sys.argv[3]) / 1000.0
    window = int(sys.argv[4])
    seconds = int(sys.argv[5]) if len(sys.argv) > 5 else 900
    loop = asyncio.new_event_loop()

    def factory():
        up = Direction(loop, delay, window)    # client -> target
        down = Direction(loop, delay, window)  # target -> client
        sides = {}

        def lost(side):
            # Close the other socket after the delay, so bytes still in flight are delivered first.
            other = sides.get("target") if side is sides.get("client") else sides.get("client")
            if other is not None and other.transport is not None:
                loop.call_later(delay + 0.01, other.transport.close)

        client = Side(up, down, lost)
        sides["client"] = client

        async def dial():
            try:
                _, target = await loop.create_connection(lambda: Side(down, up, lost), HOST, target_port)
                sides["target"] = target
            except OSError:
                if client.transport is not None:
                    client.transport.close()

        orig_made = client.connection_made

        def made(transport):
            orig_made(transport)
            # Hold client bytes until the target is connected: they are queued in `up` with dst None otherwise.
            transport.pause_reading()
            up.reading_paused = True

            async def go():
                await dial()
                up.reading_paused = False
                up._update()
                if not transport.is_closing():
                    transport.resume_reading()

            loop.create_task(go())

        client.connection_made = made
        return client

    server = loop.run_until_complete(loop.create_server(factory, HOST, listen_port, backlog=1024))
    print(f"delay proxy 127.0.0.1:{listen_port} -> {target_port}, {delay * 1000:.0f} ms each way, "
          f"window {window} bytes", flush=True)
    loop.call_later(seconds, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
