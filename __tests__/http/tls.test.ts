// TLS against a real docker-registry serving a self-signed certificate on 127.0.0.1: verification is on
// by default, `ca-cert` trusts a private CA (path or PEM text), `insecure-skip-tls-verify` warns loudly.

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import { registryOrSkip, RegistryServer, RegistryTls, startRegistry } from '../../test/support/registry-server'

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe('TLS with a self-signed registry', () => {
  let srv: RegistryServer & { tls?: RegistryTls }
  beforeAll(async () => {
    srv = await startRegistry(bin as string, undefined, { tls: true })
  })
  afterAll(() => srv?.stop())

  const run = (extra: Record<string, string>) => {
    const inputs: Record<string, string> = { host: srv.url, api: 'registry', retries: '0', ...extra }
    const log = memoryLogger()
    return {
      log,
      result: runCleanup(
        parseConfig(n => inputs[n]),
        { log, version: 'test' }
      )
    }
  }

  it('verifies certificates by default', async () => {
    expect(srv.url).toMatch(/^https:/)
    await expect(run({}).result).rejects.toThrow(/self.signed certificate/)
  })

  it('trusts a private CA given as a file path or as PEM text', async () => {
    for (const ca of [srv.tls!.certPath, srv.tls!.certPem]) {
      const { log, result } = run({ 'ca-cert': ca })
      const report = await result
      expect(report.failures).toEqual([])
      expect(report.requests['registry GET _catalog']).toBe(1)
      expect(log.lines.join('\n')).not.toMatch(/insecure/)
    }
  })

  it('skips verification only when asked, and says so loudly', async () => {
    const { log, result } = run({ 'insecure-skip-tls-verify': 'true' })
    const report = await result
    expect(report.failures).toEqual([])
    expect(log.lines).toContain(
      'warning: insecure-skip-tls-verify is on: TLS certificates are NOT verified, so the server is not authenticated; use ca-cert for a private CA'
    )
    expect(report.notes.some(n => n.startsWith('insecure-skip-tls-verify is on'))).toBe(true)
  })

  it('a ca-cert that is neither PEM nor a readable file is a clear input error', () => {
    expect(() => parseConfig(n => ({ host: srv.url, api: 'registry', 'ca-cert': '/nonexistent/ca.pem' })[n])).toThrow(
      /^Invalid input 'ca-cert': "\/nonexistent\/ca.pem"\. Expected a readable PEM file path/
    )
  })
})

describe('plain http with credentials', () => {
  it('warns for a non-loopback host, not for loopback', async () => {
    const { securityWarnings } = await import('../../src/config/config')
    const cfg = (host: string) => parseConfig(n => ({ host, api: 'registry', username: 'u', password: 'p' })[n])
    expect(securityWarnings(cfg('http://nexus.internal:8081'))).toEqual([
      'credentials are sent over plain http:// to nexus.internal:8081: anyone on the network path can read them; use https://'
    ])
    expect(securityWarnings(cfg('http://127.0.0.1:8081'))).toEqual([])
    expect(securityWarnings(cfg('https://nexus.internal'))).toEqual([])
  })
})
