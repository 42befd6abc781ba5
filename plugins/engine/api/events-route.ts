import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine.js';
import { queryOf } from './request.js';

/** GET /v2/events: Server-Sent Events in Marathon's frame format (marathon-semantics.md §10.3). */
export function eventsRoute(server: FastifyInstance, e: Engine): void {
  server.get('/v2/events', async (req, reply) => {
    if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
      return reply.code(405).send({ message: 'Use Accept: text/event-stream' });
    }
    const types = queryOf(req).list('event_type');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (ev: { eventType: string }) => {
      if (types.length === 0 || types.includes(ev.eventType))
        res.write(`event: ${ev.eventType}\ndata: ${JSON.stringify(ev)}\n\n`);
    };
    send({ eventType: 'event_stream_attached', remoteAddress: req.ip, timestamp: new Date().toISOString() } as never);
    const off = e.state.events.on(send);
    e.metrics.subscriber(1);
    const keepAlive = setInterval(() => res.write(':\n\n'), 15_000);
    req.raw.on('close', () => {
      off();
      clearInterval(keepAlive);
      e.metrics.subscriber(-1);
    });
  });
}
