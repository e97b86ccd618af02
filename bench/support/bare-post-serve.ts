/**
 * The HTTP reference for ingest: a bare Fastify route that parses the same JSON bodies and answers
 * the bytes `POST /api/v1/events` answers for one accepted event, without storing anything. Its own
 * process; reports `{ url }` over IPC once listening.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 1 << 20 });
const reply = { accepted: 1, duplicates: 0, results: [{ status: 'accepted', callId: '019ad2f4-6a1e-7c3b-9f00-0123456789ab', effect: 'applied' }] };
app.post('/api/v1/events', async () => reply);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send!({ url });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
