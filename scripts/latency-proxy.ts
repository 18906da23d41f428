// A loopback HTTP proxy that holds each request for `latencyMs` before forwarding it (a runner far from
// its registry), keep-alive on both sides. For the bench only.
import { Agent, createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LatencyProxy {
  url: string
  close(): Promise<void>
}

export async function startLatencyProxy(target: string, latencyMs: number): Promise<LatencyProxy> {
  const to = new URL(target)
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      setTimeout(() => {
        const up = request(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host }, agent },
          upRes => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers)
            upRes.pipe(res)
          }
        )
        up.on('error', () => {
          res.writeHead(502)
          res.end()
        })
        up.end(Buffer.concat(chunks))
      }, latencyMs)
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        agent.destroy()
        server.close(() => resolve())
      })
  }
}
