import { createServer, type IncomingMessage } from 'node:http'

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  readonly method: string
  readonly path: string
  readonly body: string
}

/** One response kept back until released. */
export interface Hold {
  /** Resolves when a matching request was answered by the target and its answer is held. */
  readonly arrived: Promise<ProxiedRequest>
  release(): void
}

/**
 * The network between two vaults, as a test controls it: an HTTP proxy that forwards every request
 * to `target` and can hold a matching response back, so that an answer reaches its caller late,
 * after newer ones (out-of-order delivery). Signatures pass through untouched.
 */
export interface HoldingProxy {
  readonly url: string
  /** Holds the response of the next request that matches (once). */
  hold(matches: (request: ProxiedRequest) => boolean): Hold
  close(): Promise<void>
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'])

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const holds: {
    matches: (r: ProxiedRequest) => boolean
    arrive: (r: ProxiedRequest) => void
    released: Promise<void>
  }[] = []
  const server = createServer((request, response) => {
    void (async () => {
      const body = await bodyOf(request)
      const seen: ProxiedRequest = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        body: body.toString('utf8'),
      }
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers))
        if (!HOP_HEADERS.has(name) && typeof value === 'string') headers[name] = value
      try {
        const answer = await fetch(`${target}${seen.path}`, {
          method: seen.method,
          headers,
          ...(body.length === 0 ? {} : { body }),
        })
        const text = Buffer.from(await answer.arrayBuffer())
        const index = holds.findIndex((h) => h.matches(seen))
        if (index >= 0) {
          const [hold] = holds.splice(index, 1)
          hold!.arrive(seen)
          await hold!.released
        }
        response.writeHead(answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'application/json',
        })
        response.end(text)
      } catch {
        // The target is down: answer as a dead upstream would.
        response.writeHead(502, { 'content-type': 'text/plain' })
        response.end('bad gateway')
      }
    })()
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    hold(matches) {
      let arrive!: (r: ProxiedRequest) => void
      let release!: () => void
      const arrived = new Promise<ProxiedRequest>((done) => {
        arrive = done
      })
      const released = new Promise<void>((done) => {
        release = done
      })
      holds.push({ matches, arrive, released })
      return { arrived, release }
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    },
  }
}
