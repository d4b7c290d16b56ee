"""Echo peer on Debian's python3-websockets (an independent implementation).

Run with /usr/bin/python3. Listens on 127.0.0.1 port 0, prints `PORT <n>` once listening.
Echo keeps str/bytes; subprotocols chat/superchat; max_size 16 MiB + 1 KiB.
Compression off, unless `--deflate`: then permessage-deflate as the library's default ('deflate').
Exits when stdin reaches EOF (so the parent dying never leaks this process) or on SIGTERM.
"""
import asyncio
import signal
import sys
import threading
import os

import websockets


async def echo(ws, path=None):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


def watch_stdin():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with websockets.serve(
        echo,
        '127.0.0.1',
        0,
        max_size=16 * 1024 * 1024 + 1024,
        max_queue=None,
        subprotocols=['chat', 'superchat'],
        compression='deflate' if '--deflate' in sys.argv[1:] else None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f'PORT {port}', flush=True)
        await stop


if __name__ == '__main__':
    threading.Thread(target=watch_stdin, daemon=True).start()
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)  # skip interpreter finalization (the stdin thread is blocked in read())
