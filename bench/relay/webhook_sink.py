"""The fastest receiver the relay bench needs: HTTP/1.1 keep-alive over asyncio, every POST
answered 204 at once, no checks (tests/relay/webhook_receiver.py checks; this one measures).
Prints `listening <port>`, then, when stdin closes or on SIGTERM, `received <count>`.
"""

import asyncio
import signal
import sys

RESPONSE = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


class Sink(asyncio.Protocol):
    received = 0

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            length = 0
            for line in self.buffer[:head_end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            self.buffer = self.buffer[end:]
            Sink.received += 1
            self.transport.write(RESPONSE)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    await stop
    print(f"received {Sink.received}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
