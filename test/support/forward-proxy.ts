// A forward proxy on 127.0.0.1, as a runner's HTTPS_PROXY/HTTP_PROXY would be: CONNECT tunnels for HTTPS
// and absolute-form requests for plain HTTP. Every host name resolves to 127.0.0.1 here, so a test can
// name its loopback server `registry.test` (loopback names bypass a proxy, as they do in
// @actions/http-client). It records what it was asked, and with `auth` answers 407 without it.
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

export interface ProxySeen {
  method: string
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string
  proxyAuthorization: string | undefined
}

export interface ForwardProxy {
  url: string
  seen: ProxySeen[]
  close(): Promise<void>
}

export async function startForwardProxy(auth?: { username: string; password: string }): Promise<ForwardProxy> {
  const seen: ProxySeen[] = []
  const sockets = new Set<Socket>()
  const expected = auth ? 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') : undefined
  const allowed = (req: IncomingMessage): boolean => {
    const given = req.headers['proxy-authorization']
    seen.push({ method: req.method ?? '', target: req.url ?? '', proxyAuthorization: given })
    return expected === undefined || given === expected
  }
  const server: Server = createServer((req, res) => {
    if (!allowed(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end()
      return
    }
    const target = new URL(req.url ?? '')
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    const upstream = request({ host: '127.0.0.1', port: target.port, method: req.method, path: target.pathname + target.search, headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (!allowed(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n')
      return
    }
    const port = Number((req.url ?? '').split(':').pop())
    const up = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      up.write(head)
      up.pipe(client)
      client.pipe(up)
    })
    sockets.add(up)
    up.on('close', () => sockets.delete(up))
    up.on('error', () => client.destroy())
    client.on('error', () => up.destroy())
  })
  server.on('connection', s => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = auth ? `http://${auth.username}:${encodeURIComponent(auth.password)}@127.0.0.1:${port}` : `http://127.0.0.1:${port}`
  return {
    url,
    seen,
    close: () =>
      new Promise(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
