import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../../../core/index.js';

/** Where `npm run build` puts the dashboard (ui/, built by esbuild: .ci/bundle.mjs). */
const UI_DIR = path.join(PACKAGE_ROOT, 'dist/ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export const isUiPath = (url: string) => url === '/ui' || url.startsWith('/ui/') || url.startsWith('/ui?');

/**
 * The dashboard at /ui: its files from the package (nothing fetched from elsewhere at run time),
 * and every other /ui/… path answered with its page, so a link to any view can be shared.
 */
export function uiRoutes(server: FastifyInstance): void {
  const page = () => readFileSync(path.join(UI_DIR, 'index.html'));
  server.get('/ui', async (_req, reply) => reply.redirect('/ui/'));
  server.get('/ui/*', async (req, reply) => {
    if (!existsSync(path.join(UI_DIR, 'index.html')))
      return reply.code(404).type('text/plain').send('The dashboard is not built: run npm run build');
    const rest = (req.params as { '*': string })['*'].split('?')[0];
    const file = path.join(
      UI_DIR,
      'assets',
      path.normalize(rest.replace(/^assets\//, '')).replace(/^(\.\.[/\\])+/, ''),
    );
    if (rest.startsWith('assets/') && file.startsWith(path.join(UI_DIR, 'assets')) && existsSync(file))
      return reply
        .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
        .header('cache-control', 'no-cache')
        .send(readFileSync(file));
    return reply.type(TYPES['.html']).header('cache-control', 'no-cache').send(page());
  });
}
