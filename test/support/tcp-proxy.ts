import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on a loopback port of its own to `target`, that a test cuts to make a dependency
 * (Postgres, Temporal, SMTP) unreachable for whatever connects through it — without stopping the real
 * server, which other tests and people share — and restores on the same port.
 * `cut()` stops listening (new connections are refused) and resets every open connection, as a server
 * that went down would; `restore()` listens again.
 */
export interface TcpProxy {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let server: Server | undefined;

  const listen = (on: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          open.add(socket);
          socket.once('close', () => open.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(on, '127.0.0.1', () => resolve(s));
    });

  server = await listen(port);
  const bound = (server.address() as { port: number }).port;

  const cut = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of open) socket.resetAndDestroy();
    await closed;
  };
  return {
    port: bound,
    address: `127.0.0.1:${bound}`,
    cut,
    async restore() {
      server ??= await listen(bound);
    },
    close: cut,
  };
}
