/**
 * A server that drops the first connection as soon as a request arrives on it, without answering
 * (what a kept-alive connection closed by the server just as it is reused looks like), and answers
 * `200 ok` on every later one. `connections` counts the connections since the last `reset()`.
 */
import { createServer, type Socket } from 'node:net';

export async function startStaleConnectionServer(body = 'ok', type = 'text/plain') {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    const n = ++connections;
    socket.once('data', () => {
      if (n === 1) return socket.destroy();
      socket.end(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get connections() {
      return connections;
    },
    /** Counts from zero again, and drops the next connection as the first. */
    reset() {
      connections = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
