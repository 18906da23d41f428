// A hostile registry on 127.0.0.1, to measure what the CLI holds against it (see README "Security"):
//   npx tsx scripts/hostile-server.ts --mode huge      every manifest answer is 300 MB (no Content-Length)
//   npx tsx scripts/hostile-server.ts --mode endless   a catalog that links to one more page forever
// It prints its URL, then serves until stopped (Ctrl-C) or for --seconds (default 300). Measure with:
//   /usr/bin/time -v node dist/cli/index.js --api registry --host URL --dry-run --retries 0

import { imageBody, startFakeRegistry } from '../test/support/fake-registry'

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const mode = args[args.indexOf('--mode') + 1]
  const seconds = Number(args.includes('--seconds') ? args[args.indexOf('--seconds') + 1] : 300)
  if (mode !== 'huge' && mode !== 'endless') throw new Error('usage: hostile-server.ts --mode huge|endless [--seconds N]')
  const fake = await startFakeRegistry()
  for (const v of ['1.0.0', '1.1.0']) fake.put('app', imageBody(v), v)
  let pages = 0
  fake.before = (_q, res, url) => {
    if (mode === 'huge' && url.pathname.startsWith('/v2/app/manifests/')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      const chunk = Buffer.alloc(1024 * 1024, 32)
      let sent = 0
      const more = (): void => {
        while (sent < 300 && res.write(chunk)) sent++
        if (sent >= 300) res.end()
        else res.once('drain', more)
      }
      res.on('close', () => (sent = 300))
      more()
      return true
    }
    if (mode === 'endless' && url.pathname === '/v2/_catalog') {
      pages++
      res.writeHead(200, { 'content-type': 'application/json', link: `</v2/_catalog?n=1000&last=p${pages}>; rel="next"` })
      res.end(JSON.stringify({ repositories: Array.from({ length: 1000 }, (_, i) => `image-${pages}-${i}`) }))
      return true
    }
    return false
  }
  process.stdout.write(`${fake.origin}\n`)
  const stop = (): void => void fake.close().then(() => process.exit(0))
  setTimeout(stop, seconds * 1000)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`)
  process.exit(2)
})
