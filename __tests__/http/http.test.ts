import { HttpError, parseBearerChallenge, parseRetryAfter } from '../../src/http/http'
import { getJson } from '../../test/support/get-json'
import { basicHeader, makeHttp, startBlackHole, startServer, TestServer } from '../../test/support/http-fixtures'

let srv: TestServer

beforeAll(async () => {
  srv = await startServer()
})

afterAll(async () => {
  await srv.close()
})

beforeEach(() => srv.reset())

/** Answers the statuses in order, then 200 "ok" for ever. */
function sequence(...statuses: number[]): void {
  let i = 0
  srv.handler = (_req, res) => {
    const status = statuses[i++]
    if (status === undefined) return void res.end('ok')
    res.statusCode = status
    res.end(`status ${status}`)
  }
}

async function caught(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError)
    return e as HttpError
  }
  throw new Error('expected the request to fail')
}

describe('credentials', () => {
  it('sends basic auth pre-emptively when username and password are set', async () => {
    const { http } = makeHttp({ username: 'alice', password: 's3cret' })
    const res = await http.request('GET', `${srv.origin}/v2/`, { kind: 'ping' })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('ok')
    expect(srv.requests).toHaveLength(1)
    expect(srv.requests[0].headers.authorization).toBe(basicHeader('alice', 's3cret'))
    expect(http.counts).toEqual({ ping: 1 })
  })

  it('sends no Authorization header without credentials', async () => {
    const { http } = makeHttp()
    await http.request('GET', `${srv.origin}/v2/`, { kind: 'ping' })
    expect(srv.requests).toHaveLength(1)
    expect(srv.requests[0].headers.authorization).toBeUndefined()
    expect(srv.requests[0].headers['user-agent']).toBe('nexus-image-lifecycle-test')
  })

  it('sends the body and the caller headers', async () => {
    const { http } = makeHttp()
    await http.request('POST', `${srv.origin}/x`, { kind: 'post', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(srv.requests[0]).toMatchObject({ method: 'POST', url: '/x', body: '{"a":1}' })
    expect(srv.requests[0].headers['content-type']).toBe('application/json')
  })
})

describe('retries', () => {
  it('retries 500, 502 and 503 with growing jittered backoff, then succeeds', async () => {
    sequence(500, 502, 503)
    const { http, waits } = makeHttp({ retries: 3 })
    const res = await http.request('GET', `${srv.origin}/v2/a/tags/list`, { kind: 'tags' })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('ok')
    expect(srv.requests).toHaveLength(4)
    expect(http.counts).toEqual({ tags: 4, retries: 3 })
    expect(Object.values(http.counts).reduce((a, b) => a + b, 0)).toBe(7) // the counters, 'retries' included
    expect(waits).toHaveLength(3)
    // attempt n waits between half and all of 500 * 2^n ms
    expect(waits[0]).toBeGreaterThanOrEqual(250)
    expect(waits[0]).toBeLessThanOrEqual(500)
    expect(waits[1]).toBeGreaterThanOrEqual(500)
    expect(waits[1]).toBeLessThanOrEqual(1000)
    expect(waits[2]).toBeGreaterThanOrEqual(1000)
    expect(waits[2]).toBeLessThanOrEqual(2000)
  })

  it('retries 504', async () => {
    sequence(504)
    const { http } = makeHttp({ retries: 1 })
    expect((await http.request('GET', `${srv.origin}/x`, { kind: 'k' })).status).toBe(200)
    expect(srv.requests).toHaveLength(2)
  })

  it('gives up after `retries` with an HttpError naming method, URL and status', async () => {
    sequence(503, 503, 503, 503, 503)
    const { http, waits } = makeHttp({ retries: 2 })
    const url = `${srv.origin}/v2/shop/api/manifests/1.0`
    const err = await caught(http.request('DELETE', url, { kind: 'delete' }))
    expect(srv.requests).toHaveLength(3)
    expect(waits).toHaveLength(2)
    expect(err.method).toBe('DELETE')
    expect(err.url).toBe(url)
    expect(err.status).toBe(503)
    expect(err.message).toContain(`DELETE ${url}`)
    expect(err.message).toContain('503')
    expect(err.message).toContain('status 503') // the first line of the body
    expect(err.message).not.toContain('\n')
    expect(http.counts).toEqual({ delete: 3, retries: 2 })
  })

  it('puts registry error codes of a JSON body into the message, on one line', async () => {
    srv.handler = (_req, res) => {
      res.statusCode = 404
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          errors: [
            { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
            { code: 'X', message: 'two\nlines' }
          ]
        })
      )
    }
    const { http } = makeHttp()
    const err = await caught(http.request('GET', `${srv.origin}/v2/a/manifests/9`, { kind: 'k' }))
    expect(err.message).toContain('answered 404: MANIFEST_UNKNOWN manifest unknown')
    expect(srv.requests).toHaveLength(1)
  })

  it('waits for Retry-After seconds on 429', async () => {
    let n = 0
    srv.handler = (_req, res) => {
      if (n++ === 0) {
        res.statusCode = 429
        res.setHeader('Retry-After', '1')
      }
      res.end()
    }
    const { http, waits } = makeHttp()
    expect((await http.request('GET', `${srv.origin}/x`, { kind: 'k' })).status).toBe(200)
    expect(waits).toEqual([1000])
    expect(http.counts).toEqual({ k: 2, retries: 1 })
  })

  it('waits until the HTTP-date of Retry-After on 503', async () => {
    let n = 0
    srv.handler = (_req, res) => {
      if (n++ === 0) {
        res.statusCode = 503
        res.setHeader('Retry-After', new Date(Date.now() + 5000).toUTCString())
      }
      res.end()
    }
    const { http, waits } = makeHttp()
    await http.request('GET', `${srv.origin}/x`, { kind: 'k' })
    expect(waits).toHaveLength(1)
    // the date has second resolution
    expect(waits[0]).toBeGreaterThan(3000)
    expect(waits[0]).toBeLessThanOrEqual(5000)
  })

  it('caps a huge Retry-After at two minutes', async () => {
    let n = 0
    srv.handler = (_req, res) => {
      if (n++ === 0) {
        res.statusCode = 429
        res.setHeader('Retry-After', '3600')
      }
      res.end()
    }
    const { http, waits } = makeHttp()
    await http.request('GET', `${srv.origin}/x`, { kind: 'k' })
    expect(waits).toEqual([120_000])
  })

  it('gives up on 429 after the retries, with the status in the error', async () => {
    srv.handler = (_req, res) => {
      res.statusCode = 429
      res.setHeader('Retry-After', '2')
      res.end()
    }
    const { http, waits } = makeHttp({ retries: 2 })
    const err = await caught(http.request('GET', `${srv.origin}/x`, { kind: 'k' }))
    expect(err.status).toBe(429)
    expect(waits).toEqual([2000, 2000])
  })

  it.each([404, 400])('does not retry %i: returns it when accepted', async status => {
    sequence(status, status)
    const { http, waits } = makeHttp()
    const res = await http.request('GET', `${srv.origin}/x`, { kind: 'k', handles: [status] })
    expect(res.status).toBe(status)
    expect(res.body.toString()).toBe(`status ${status}`)
    expect(srv.requests).toHaveLength(1)
    expect(waits).toEqual([])
    expect(http.counts).toEqual({ k: 1 })
  })

  it.each([404, 400])('does not retry %i: throws it when not accepted', async status => {
    sequence(status, status)
    const { http, waits } = makeHttp()
    const err = await caught(http.request('GET', `${srv.origin}/x`, { kind: 'k' }))
    expect(err.status).toBe(status)
    expect(err.message).toContain(`GET ${srv.origin}/x answered ${status}`)
    expect(srv.requests).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('returns an accepted retryable status instead of retrying it', async () => {
    sequence(503)
    const { http } = makeHttp()
    expect((await http.request('GET', `${srv.origin}/x`, { kind: 'k', handles: [503] })).status).toBe(503)
    expect(srv.requests).toHaveLength(1)
  })

  it('sends once with retry: false', async () => {
    sequence(503, 503)
    const { http, waits } = makeHttp({ retries: 5 })
    const err = await caught(http.request('POST', `${srv.origin}/service/rest/v1/tasks/t/run`, { kind: 'task run', retry: false }))
    expect(err.status).toBe(503)
    expect(srv.requests).toHaveLength(1)
    expect(waits).toEqual([])
    expect(http.counts).toEqual({ 'task run': 1 })
  })

  it('retries a connection reset', async () => {
    let n = 0
    srv.handler = (req, res) => {
      if (n++ === 0) return void req.socket.destroy()
      res.end('second')
    }
    const { http, waits } = makeHttp()
    const res = await http.request('GET', `${srv.origin}/x`, { kind: 'k' })
    expect(res.body.toString()).toBe('second')
    expect(srv.requests).toHaveLength(2)
    expect(waits).toHaveLength(1)
    expect(http.counts).toEqual({ k: 2, retries: 1 })
  })

  it('does not retry a connection reset with retry: false, and says the request failed', async () => {
    srv.handler = req => req.socket.destroy()
    const { http } = makeHttp()
    const err = await caught(http.request('POST', `${srv.origin}/x`, { kind: 'k', retry: false }))
    expect(err.status).toBeUndefined()
    expect(err.message).toMatch(new RegExp(`^POST ${srv.origin}/x failed: `))
    expect(srv.requests).toHaveLength(1)
  })

  it('fails with the connection error after retries when nothing listens', async () => {
    const closed = await startServer()
    const origin = closed.origin
    await closed.close()
    const { http, waits } = makeHttp({ retries: 2 })
    const err = await caught(http.request('GET', `${origin}/v2/`, { kind: 'k' }))
    expect(err.message).toContain(`GET ${origin}/v2/ failed: `)
    expect(err.message).toMatch(/ECONNREFUSED/)
    expect(waits).toHaveLength(2)
  })
})

describe('timeouts', () => {
  it('times out a stalled server, retries, then fails with a clear error', async () => {
    srv.handler = () => {
      // never answers
    }
    const { http, waits } = makeHttp({ timeoutMs: 300, retries: 1 })
    const url = `${srv.origin}/v2/a/tags/list`
    const err = await caught(http.request('GET', url, { kind: 'k' }))
    expect(err.message).toContain(`GET ${url} failed`)
    expect(err.message).toMatch(/timeout/i)
    expect(err.status).toBeUndefined()
    expect(srv.requests).toHaveLength(2)
    expect(waits).toHaveLength(1)
    expect(http.counts).toEqual({ k: 2, retries: 1 })
  })

  it('a timed-out connection the server never closes does not wedge the retry (concurrency 1)', async () => {
    const hole = await startBlackHole()
    try {
      const { http } = makeHttp({ timeoutMs: 300, retries: 2, concurrency: 1 })
      const err = await caught(http.request('GET', `${hole.origin}/x`, { kind: 'k' }))
      expect(err.message).toMatch(/timeout/i)
      expect(hole.requests).toBe(3)
    } finally {
      await hole.close()
    }
  })

  it('a body that stalls after the headers times out instead of hanging', async () => {
    const hole = await startBlackHole('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')
    try {
      const { http } = makeHttp({ timeoutMs: 300, retries: 1, concurrency: 1 })
      const err = await caught(http.request('GET', `${hole.origin}/x`, { kind: 'k' }))
      expect(err.message).toContain(`GET ${hole.origin}/x failed`)
      expect(hole.requests).toBe(2)
    } finally {
      await hole.close()
    }
  })
})

describe('Bearer token challenge', () => {
  function tokenRegistry(tokenBody: object = { token: 't1' }): void {
    srv.handler = (req, res) => {
      const url = new URL(req.url ?? '/', srv.origin)
      if (url.pathname === '/token') {
        if (req.headers.authorization !== basicHeader('ci', 'pa55word')) {
          res.statusCode = 401
          return void res.end('{"details":"bad credentials"}')
        }
        res.setHeader('content-type', 'application/json')
        return void res.end(JSON.stringify(tokenBody))
      }
      if (req.headers.authorization !== 'Bearer t1') {
        res.statusCode = 401
        res.setHeader('WWW-Authenticate', `Bearer realm="${srv.origin}/token",service="reg",scope="repository:a:pull"`)
        return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
      }
      res.end('{"name":"a","tags":["1.0"]}')
    }
  }

  it('fetches a token from the realm with Basic credentials and resends with it', async () => {
    tokenRegistry()
    const { http } = makeHttp({ username: 'ci', password: 'pa55word' })
    const { json } = await getJson<{ tags: string[] }>(http, `${srv.origin}/v2/a/tags/list`, 'registry GET tags/list')
    expect(json.tags).toEqual(['1.0'])
    expect(srv.requests.map(r => r.url.split('?')[0])).toEqual(['/v2/a/tags/list', '/token', '/v2/a/tags/list'])
    const tokenReq = new URL(srv.requests[1].url, srv.origin)
    expect(tokenReq.searchParams.get('service')).toBe('reg')
    expect(tokenReq.searchParams.get('scope')).toBe('repository:a:pull')
    expect(srv.requests[1].method).toBe('GET')
    expect(srv.requests[1].headers.authorization).toBe(basicHeader('ci', 'pa55word'))
    expect(srv.requests[0].headers.authorization).toBe(basicHeader('ci', 'pa55word'))
    expect(srv.requests[2].headers.authorization).toBe('Bearer t1')
    expect(http.counts).toEqual({ 'registry GET tags/list': 2, 'auth token': 1 })

    // the token is kept for the host: the next request goes straight through with it
    await http.request('GET', `${srv.origin}/v2/a/tags/list`, { kind: 'again' })
    expect(srv.requests).toHaveLength(4)
    expect(srv.requests[3].headers.authorization).toBe('Bearer t1')
  })

  it('accepts access_token as the token field', async () => {
    tokenRegistry({ access_token: 't1' })
    const { http } = makeHttp({ username: 'ci', password: 'pa55word' })
    expect((await http.request('GET', `${srv.origin}/v2/a/tags/list`, { kind: 'k' })).status).toBe(200)
    expect(srv.requests[2].headers.authorization).toBe('Bearer t1')
  })

  it('fails once, without retrying, when the token server refuses the credentials', async () => {
    tokenRegistry()
    const { http, waits, log } = makeHttp({ username: 'ci', password: 'wrong-pass' })
    const err = await caught(http.request('GET', `${srv.origin}/v2/a/tags/list`, { kind: 'k' }))
    expect(err.status).toBe(401)
    expect(err.message).toContain(`GET ${srv.origin}/token answered 401`)
    expect(err.message).toContain('token server refused the credentials')
    expect(err.message).not.toContain('scope=') // the query is left out
    expect(srv.requests.filter(r => r.url.startsWith('/token'))).toHaveLength(1)
    expect(waits).toEqual([])
    const everything = [err.message, JSON.stringify(http.counts), ...log.lines].join('\n')
    expect(everything).not.toContain('wrong-pass')
    expect(everything).not.toContain(basicHeader('ci', 'wrong-pass').slice(6))
  })

  it('without credentials asks the token server anonymously (public registries), and reports its refusal', async () => {
    tokenRegistry()
    const { http } = makeHttp()
    const err = await caught(http.request('GET', `${srv.origin}/v2/a/tags/list`, { kind: 'k' }))
    expect(err.status).toBe(401)
    expect(err.message).toContain('token server refused the credentials')
    expect(srv.requests.map(r => r.url.split('?')[0])).toEqual(['/v2/a/tags/list', '/token'])
    expect(srv.requests[1].headers.authorization).toBeUndefined()
  })

  it('without credentials uses an anonymous token when the token server grants one', async () => {
    srv.handler = (req, res) => {
      const url = new URL(req.url ?? '/', srv.origin)
      if (url.pathname === '/token') return void res.end(JSON.stringify({ token: req.headers.authorization ? 'bad' : 'anon' }))
      if (req.headers.authorization !== 'Bearer anon') {
        res.statusCode = 401
        res.setHeader('WWW-Authenticate', `Bearer realm="${srv.origin}/token",service="reg",scope="repository:a:pull"`)
        return void res.end()
      }
      res.end('{"name":"a","tags":["1.0"]}')
    }
    const { http } = makeHttp()
    const { json } = await getJson<{ tags: string[] }>(http, `${srv.origin}/v2/a/tags/list`, 'k')
    expect(json.tags).toEqual(['1.0'])
  })

  it('throws a 401 with a Basic challenge (wrong password) without retrying', async () => {
    srv.handler = (_req, res) => {
      res.statusCode = 401
      res.setHeader('WWW-Authenticate', 'Basic realm="Sonatype Nexus Repository Manager"')
      res.end()
    }
    const { http } = makeHttp({ username: 'ci', password: 'nope' })
    const err = await caught(http.request('GET', `${srv.origin}/service/rest/v1/status`, { kind: 'k' }))
    expect(err.status).toBe(401)
    expect(srv.requests).toHaveLength(1)
  })
})

describe('concurrency, sockets and secrets', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    srv.handler = (_req, res) => {
      setTimeout(() => res.end('slow'), 100)
    }
    const { http } = makeHttp({ concurrency: 2 })
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => http.request('GET', `${srv.origin}/slow/${i}`, { kind: 'slow' })))
    expect(results.map(r => r.body.toString())).toEqual(Array(6).fill('slow'))
    expect(srv.requests).toHaveLength(6)
    expect(srv.maxInFlight).toBe(2)
    expect(http.counts).toEqual({ slow: 6 })
  })

  it('releases the slot of a failed request', async () => {
    srv.handler = (_req, res) => {
      res.statusCode = 404
      res.end()
    }
    const { http } = makeHttp({ concurrency: 1 })
    const all = await Promise.allSettled(Array.from({ length: 4 }, () => http.request('GET', `${srv.origin}/x`, { kind: 'k' })))
    expect(all.every(r => r.status === 'rejected')).toBe(true)
    expect(srv.requests).toHaveLength(4)
  })

  it('HEAD and 204 answers free their keep-alive socket', async () => {
    srv.handler = (req, res) => {
      if (req.method === 'HEAD') {
        res.setHeader('Docker-Content-Digest', 'sha256:abc')
        res.setHeader('Content-Length', '1234')
        return void res.end()
      }
      res.statusCode = 204
      res.end()
    }
    const { http } = makeHttp({ concurrency: 2 })
    for (let i = 0; i < 100; i++) {
      const res = await http.request('HEAD', `${srv.origin}/v2/a/manifests/${i}`, { kind: 'head' })
      expect(res.headers['docker-content-digest']).toBe('sha256:abc')
      expect(res.body.length).toBe(0)
    }
    for (let i = 0; i < 20; i++) {
      expect((await http.request('DELETE', `${srv.origin}/v2/a/manifests/${i}`, { kind: 'delete' })).status).toBe(204)
    }
    expect(srv.requests).toHaveLength(120)
    // sequential requests reuse one keep-alive connection
    expect(srv.connections).toBeLessThanOrEqual(2)
    expect(http.counts).toEqual({ head: 100, delete: 20 })
  })

  it('never puts the password or the Authorization value into errors, counts or logs', async () => {
    const password = 'hunter2-VERY-SECRET'
    const encoded = basicHeader('ci', password)
    const { http, log } = makeHttp({ username: 'ci', password, retries: 1 })
    const messages: string[] = []
    srv.handler = (_req, res) => {
      res.statusCode = 500
      res.end('internal error')
    }
    messages.push((await caught(http.request('GET', `${srv.origin}/a`, { kind: 'k' }))).message)
    srv.handler = req => req.socket.destroy()
    messages.push((await caught(http.request('GET', `${srv.origin}/b`, { kind: 'k' }))).message)
    srv.handler = (_req, res) => res.end('not json')
    messages.push((await caught(getJson(http, `${srv.origin}/c`, 'json'))).message)
    const everything = [...messages, JSON.stringify(http.counts), ...log.lines].join('\n')
    expect(everything).not.toContain(password)
    expect(everything).not.toContain(encoded)
    expect(everything).not.toContain(encoded.slice(6))
    expect(everything).not.toMatch(/authorization/i)
    expect(messages[2]).toBe(`GET ${srv.origin}/c answered 200: the body is not JSON`)
    // retries are logged at debug level with method and URL
    expect(log.lines.some(l => l.startsWith('debug: retry 1/1') && l.includes(`GET ${srv.origin}/a answered 500`))).toBe(true)
  })
})

describe('getJson', () => {
  it('asks for JSON and parses the body', async () => {
    srv.handler = (_req, res) => res.end('{"repositories":["a","b/c"]}')
    const { http } = makeHttp()
    const { json, res } = await getJson<{ repositories: string[] }>(http, `${srv.origin}/v2/_catalog`, 'catalog')
    expect(json.repositories).toEqual(['a', 'b/c'])
    expect(res.url).toBe(`${srv.origin}/v2/_catalog`)
    expect(srv.requests[0].headers.accept).toBe('application/json')
  })
})

describe('parseRetryAfter', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['0', 0],
    ['1', 1000],
    [' 7 ', 7000],
    ['120', 120_000]
  ])('%p -> %p', (value, ms) => {
    expect(parseRetryAfter(value)).toBe(ms)
  })

  it('turns an HTTP-date into the wait until then', () => {
    const ms = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())
    expect(ms).toBeGreaterThan(8000)
    expect(ms).toBeLessThanOrEqual(10_000)
  })

  it('a date in the past means no wait', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0)
  })
})

describe('parseBearerChallenge', () => {
  it('reads realm, service and scope', () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:shop/api:pull,push"')).toEqual({
      realm: 'https://auth.example.com/token',
      service: 'registry.example.com',
      scope: 'repository:shop/api:pull,push'
    })
  })

  it('is case-insensitive on the scheme and parameter names and tolerates spaces', () => {
    expect(parseBearerChallenge('  bearer Realm="http://h/t", Service="s"')).toEqual({ realm: 'http://h/t', service: 's', scope: undefined })
  })

  it('ignores extra parameters such as error', () => {
    expect(parseBearerChallenge('Bearer realm="http://h/t",error="invalid_token"')).toEqual({ realm: 'http://h/t', service: undefined, scope: undefined })
  })

  it.each(['', 'Basic realm="Sonatype Nexus Repository Manager"', 'Bearer service="s"', 'Bearer', 'Bearerrealm="x"'])('%p is no Bearer challenge', h => {
    expect(parseBearerChallenge(h)).toBeUndefined()
  })
})
