// Starts the real `docker-registry` (Debian's package of distribution/distribution) on a free 127.0.0.1
// port with its own storage directory, optionally behind htpasswd basic auth.

import { ChildProcess, execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

export interface RegistryServer {
  url: string
  dir: string
  stop(): Promise<void>
}

/** The registry binary: $REGISTRY_BIN, or docker-registry / registry on PATH. */
export function findRegistryBin(): string | undefined {
  if (process.env.REGISTRY_BIN) return process.env.REGISTRY_BIN
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['docker-registry', 'registry']) {
      const p = join(dir, name)
      if (existsSync(p)) return p
    }
  }
  return undefined
}

/**
 * For `describe` blocks that need the registry: under CI a missing binary is a failure, locally a loud skip.
 * Returns the binary or undefined (skip).
 */
export function registryOrSkip(): string | undefined {
  const bin = findRegistryBin()
  if (bin) return bin
  const msg = 'docker-registry not found (install Debian package docker-registry or set REGISTRY_BIN)'
  if (process.env.CI === 'true') throw new Error(`${msg}: required under CI=true`)
  console.warn(`SKIPPING registry integration tests: ${msg}`)
  return undefined
}

/** True once something accepts TCP connections on the port (works for http and https alike). */
function listening(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

export interface RegistryTls {
  /** PEM of the self-signed certificate the server uses (to pass as a CA). */
  certPem: string
  certPath: string
}

/** A self-signed certificate for 127.0.0.1 and registry.test, made with openssl. */
export function selfSigned(dir: string): RegistryTls & { keyPath: string } {
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      // registry.test: the name a test reaches it by through a proxy (test/support/forward-proxy.ts)
      'subjectAltName=IP:127.0.0.1,DNS:registry.test',
      '-keyout',
      keyPath,
      '-out',
      certPath
    ],
    { stdio: 'ignore' }
  )
  return { certPath, keyPath, certPem: readFileSync(certPath, 'utf8') }
}

export async function startRegistry(
  bin: string,
  auth?: { username: string; password: string },
  opts: { tls?: boolean; dataFrom?: string } = {}
): Promise<RegistryServer & { tls?: RegistryTls }> {
  const dir = mkdtempSync(join(tmpdir(), 'nil-registry-'))
  // a copy of another registry's storage: the same seeded registry for each of several runs
  if (opts.dataFrom) cpSync(opts.dataFrom, join(dir, 'data'), { recursive: true })
  const port = await freePort()
  const tls = opts.tls ? selfSigned(dir) : undefined
  const tlsBlock = tls ? `  tls:\n    certificate: ${tls.certPath}\n    key: ${tls.keyPath}\n` : ''
  let authBlock = ''
  if (auth) {
    const line = execFileSync('htpasswd', ['-Bbn', auth.username, auth.password]).toString().trim()
    writeFileSync(join(dir, 'htpasswd'), line + '\n')
    authBlock = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${join(dir, 'htpasswd')}\n`
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
${tlsBlock}${authBlock}`
  )
  const child: ChildProcess = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${stderr}`)
    if (await listening(port)) break
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(`docker-registry did not start on ${url}: ${stderr}`)
    }
    await new Promise(r => setTimeout(r, 50))
  }
  return {
    url,
    dir,
    ...(tls ? { tls: { certPem: tls.certPem, certPath: tls.certPath } } : {}),
    stop: () =>
      new Promise<void>(resolve => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        })
        child.kill('SIGTERM')
      })
  }
}
