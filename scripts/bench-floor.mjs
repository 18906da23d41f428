// The bench's floor: the least a registry cleanup must send, as a minimal client with THREADS keep-alive
// requests in flight: the catalog, one tags list per image, one HEAD per tag (its digest), one DELETE per
// deleted digest. It keeps the KEEP highest versions per image (every tag of the data set is a version).
//   node scripts/bench-floor.mjs URL KEEP [THREADS] [--dry-run]   (--dry-run: no DELETE)
import { Agent, request } from 'node:http'

const [base, keepText, threadsText] = process.argv.slice(2)
const keep = Number(keepText)
const threads = Number(threadsText ?? 16)
const agent = new Agent({ keepAlive: true, maxSockets: threads })
let inFlight = 0
const queue = []
let requests = 0

function send(method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const go = () => {
      inFlight++
      requests++
      const req = request(new URL(path, base), { method, headers, agent }, res => {
        const chunks = []
        res.on('data', c => chunks.push(c))
        res.on('end', () => {
          inFlight--
          queue.shift()?.()
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) })
        })
      })
      req.on('error', e => {
        inFlight--
        queue.shift()?.()
        reject(e)
      })
      req.end()
    }
    if (inFlight < threads) go()
    else queue.push(go)
  })
}

const cmp = (a, b) => {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]
  return 0
}
const ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'

const catalog = []
for (let next = '/v2/_catalog?n=1000'; next;) {
  const page = await send('GET', next)
  catalog.push(...JSON.parse(page.body).repositories)
  next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.link ?? '')?.[1]
}
await Promise.all(
  catalog.map(async name => {
    const tags = JSON.parse((await send('GET', `/v2/${name}/tags/list`)).body)
      .tags.sort(cmp)
      .reverse()
    const digests = await Promise.all(
      tags.map(async t => (await send('HEAD', `/v2/${name}/manifests/${t}`, { accept: ACCEPT })).headers['docker-content-digest'])
    )
    const kept = new Set(digests.slice(0, keep))
    const doomed = new Set(digests.slice(keep).filter(d => !kept.has(d)))
    if (!process.argv.includes('--dry-run')) await Promise.all([...doomed].map(d => send('DELETE', `/v2/${name}/manifests/${d}`)))
  })
)
process.stdout.write(JSON.stringify({ requests }) + '\n')
agent.destroy()
