/**
 * A webhook receiver in its own process for the delivery benchmark (it must not share the worker's
 * core): answers 204 at once and counts requests. Reports `{ port }` over IPC; `count` messages are
 * answered with the number received so far.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('message', (m) => {
  if (m === 'count') process.send!({ received });
});
process.on('disconnect', () => process.exit(0));
