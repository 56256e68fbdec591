import { connect, createServer, type Socket } from 'node:net'

/**
 * A TCP load balancer for a test: each new connection goes to the next backend in turn, and to
 * the one after it when that one does not accept (a killed process), as an HTTP load balancer with
 * passive health checks does. Connections already open to a process that dies are lost, as they
 * are behind a real one.
 */
export interface RoundRobinProxy {
  readonly port: number
  close(): Promise<void>
}

export async function startRoundRobinProxy(backends: readonly number[], port = 0): Promise<RoundRobinProxy> {
  let next = 0
  const sockets = new Set<Socket>()
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  }
  const server = createServer((client) => {
    track(client)
    client.pause()
    const attempt = (tries: number) => {
      const backend = backends[next++ % backends.length]!
      const upstream = connect(backend, '127.0.0.1')
      const refused = () => {
        upstream.destroy()
        if (tries + 1 < backends.length * 2) setTimeout(() => attempt(tries + 1), 50)
        else client.destroy()
      }
      upstream.once('error', refused)
      upstream.once('connect', () => {
        upstream.off('error', refused)
        track(upstream)
        upstream.on('error', () => client.destroy())
        client.on('error', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
        client.on('close', () => upstream.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      })
    }
    attempt(0)
  })
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done))
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((done) => server.close(done))
    },
  }
}
