import { connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy to a database server that a test can cut: `cut()` drops every connection and refuses
 * new ones (as a network outage or a restarting server does), `restore()` lets them through again.
 */
export interface TcpCutProxy {
  readonly port: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpCutProxy(targetHost: string, targetPort: number): Promise<TcpCutProxy> {
  let open = true
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, targetHost)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  return {
    port,
    cut() {
      open = false
      for (const s of sockets) s.destroy()
    },
    restore() {
      open = true
    },
    async close() {
      open = false
      for (const s of sockets) s.destroy()
      await new Promise((done) => server.close(done))
    },
  }
}
