import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, watch } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine.js';
import { TERMINAL } from '../types.js';
import { queryOf } from './request.js';

/** `/baton/v1/tasks/{task}/logs`: a task's (or a pod container's) stdout or stderr, whole, tail or followed. */
export function logsRoute(server: FastifyInstance, e: Engine): void {
  server.get('/baton/v1/tasks/:taskId/logs', async (req, reply) => {
    const { taskId } = req.params as { taskId: string };
    const q = queryOf(req);
    const container = q.string('container');
    const tail = q.string('tail');
    const inst = [...e.state.instances.values()].find((i) => i.taskId === taskId || i.instanceId === taskId);
    if (!inst?.sandbox || !inst.handle) return reply.code(404).send({ message: `Task '${taskId}' does not exist` });
    const rt = e.runtimes.find((r) => r.name === inst.handle!.runtime);
    const files = rt?.logFiles(inst.handle, inst.sandbox, container);
    if (container !== undefined && !files)
      return reply.code(404).send({ message: `Task '${taskId}' has no container '${container}'` });
    const file = q.string('stream') === 'stderr' ? files?.stderr : files?.stdout;
    if (!file || !existsSync(file)) return reply.type('text/plain').send('');
    if (tail !== undefined) {
      // The last N lines (bounded read of the file's end), e.g. to explain a failed deploy.
      const text = tailOf(file, 64 * 1024);
      return reply.type('text/plain').send(
        text
          .split('\n')
          .filter((l, i, a) => i < a.length - 1 || l !== '')
          .slice(-Number(tail))
          .join('\n'),
      );
    }
    if (!q.bool('follow', false)) return reply.type('text/plain').send(createReadStream(file));
    // Follow: stream what is there, then what is appended, until the client goes or the task ends.
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    // Appended bytes are read synchronously, so output stays in order whichever trigger fires.
    let pos = 0;
    let closed = false;
    const pump = () => {
      if (closed) return;
      const size = statSync(file).size;
      if (size <= pos) return;
      reply.raw.write(readRange(file, pos, size));
      pos = size;
    };
    pump();
    const watcher = watch(file, pump);
    const timer = setInterval(() => {
      pump();
      if (!e.state.instances.has(inst.instanceId) || TERMINAL.has(inst.condition)) close();
    }, 500);
    const close = () => {
      if (closed) return;
      closed = true;
      watcher.close();
      clearInterval(timer);
      reply.raw.end();
    };
    req.raw.on('close', close);
  });
}

/** Bytes [start, end) of a file. */
function readRange(file: string, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** The last `bytes` of a file, read from its end (logs can be large). */
function tailOf(file: string, bytes: number): string {
  const size = statSync(file).size;
  return readRange(file, Math.max(0, size - bytes), size).toString('utf8');
}
