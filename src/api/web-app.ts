import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * Where `npm run build` writes the web app: web/dist of the checkout, reached from src/api (tests)
 * or from the compiled dist/src/api (bin/liaison.js) alike.
 */
export const DEFAULT_WEB_ROOT = resolve(
  import.meta.dirname,
  /[/\\]dist[/\\]src[/\\]api$/.test(import.meta.dirname) ? '../../../web/dist' : '../../web/dist',
)

/**
 * The page's rules for the browser: scripts, styles and data only from this vault (the app calls
 * the vault's own API), never framed by another site.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ')

function sendIndex(reply: FastifyReply): FastifyReply {
  void reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  void reply.header('X-Content-Type-Options', 'nosniff')
  return reply.sendFile('index.html', { maxAge: 0, immutable: false })
}

/**
 * The web app at `/`: its built files by name (hashed assets cached for a year), and index.html for
 * `/` and every `/ui/…` path, so a deep link survives a reload. Only the files that exist at start
 * get routes (no wildcard), so an unknown path elsewhere — `/api/…` above all — still reaches the
 * API's own not-found answer. A vault started before the app was built says how to build it.
 */
export function webAppRoutes(root: string = DEFAULT_WEB_ROOT) {
  return async (app: FastifyInstance): Promise<void> => {
    if (!existsSync(join(root, 'index.html'))) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .type('text/plain; charset=utf-8')
          .send('The web app is not built: run `npm run build` in the Liaison checkout, then start again.\n'),
      )
      return
    }
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      preCompressed: true,
      // The decorator swagger-ui's own copy of the plugin also adds lives in its own scope.
      decorateReply: true,
      setHeaders(res, path) {
        void res.header('X-Content-Type-Options', 'nosniff')
        if (path.includes('/assets/')) void res.header('Cache-Control', 'public, max-age=31536000, immutable')
      },
    })
    app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply))
    app.get('/ui', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply))
    app.get('/ui/*', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply))
  }
}
