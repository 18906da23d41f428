// The bench's floor for Nexus: the least a component cleanup must send, as a minimal client. The components
// listing page after page (each token comes from the page before), then one DELETE per deleted component
// with THREADS keep-alive requests in flight. It keeps the KEEP highest versions per image (every tag of the
// data set is a version). With --dry-run, the pages alone.
//   node scripts/bench-floor-nexus.mjs URL REPOSITORY USER:PASSWORD KEEP [THREADS] [--dry-run]
import { Agent, request } from 'node:http'

const [base, repository, credentials, keepText, threadsText, dryRun] = process.argv.slice(2)
const keep = Number(keepText)
const threads = Number(threadsText ?? 32)
const agent = new Agent({ keepAlive: true, maxSockets: threads })
const authorization = `Basic ${Buffer.from(credentials).toString('base64')}`
let requests = 0

function send(method, path) {
  requests++
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, agent, headers: { authorization, accept: 'application/json' } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

const cmp = (a, b) => {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]
  return 0
}

const byImage = new Map()
for (let token = null, first = true; first || token; first = false) {
  const q = `repository=${encodeURIComponent(repository)}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`
  const page = JSON.parse((await send('GET', `/service/rest/v1/components?${q}`)).body)
  for (const c of page.items) byImage.set(c.name, [...(byImage.get(c.name) ?? []), c])
  token = page.continuationToken
}
if (dryRun !== '--dry-run') {
  const doomed = [...byImage.values()].flatMap(cs => cs.sort((a, b) => cmp(b.version, a.version)).slice(keep))
  let next = 0
  const worker = async () => {
    while (next < doomed.length) await send('DELETE', `/service/rest/v1/components/${doomed[next++].id}`)
  }
  await Promise.all(Array.from({ length: threads }, worker))
}
process.stdout.write(JSON.stringify({ requests }) + '\n')
agent.destroy()
