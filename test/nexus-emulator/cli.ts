/**
 * Run the emulator standalone, for the demo and manual use:
 *
 *   npx tsx test/nexus-emulator/cli.ts --port 8081 --scenario file.json --db datastore --version 3.77.0-08
 *
 * Prints the URL (and connector URLs) and runs until interrupted.
 */
import { readFileSync } from 'node:fs'
import type { EmulatorOptions, LinkHeaderMode } from './options'
import type { Scenario } from './scenario'
import { startNexusEmulator } from './server'

const HELP = `Usage: tsx test/nexus-emulator/cli.ts [options]
  --port N                       main port (default 8081; 0 = free port)
  --scenario FILE|demo           scenario JSON (see test/nexus-emulator/README.md), or demo (npm run demo's)
  --db datastore|orient          database era (default datastore)
  --version 3.77.0-08            Nexus version to emulate
  --edition OSS|PRO|COMMUNITY    Server header edition
  --base-url URL                 base URL written into downloadUrl/url fields
  --head-manifest-404            HEAD on manifests answers 404
  --delete-by-digest-removes-tags true|false
  --tags-link none|relative|absolute|connectorBug
  --anonymous                    enable anonymous access (browse+read)
  --no-force-basic-auth          Bearer challenge on the registry instead of BASIC
  --user name:password:priv1,priv2   add a user (repeatable)
  --task-mode timer|clock|polls  --task-duration MS
  --now ISO                      freeze the clock
  --read-only                    frozen mode (writes → 503)
  --digest-components            manifests pushed by digest are components versioned by their digest
  --extra-assets                 each tag component gets a second asset, listed first
  --listing-hides a,b            image names the components listing leaves out
  --search-engine elasticsearch|table   what answers /v1/search (table = HA's word match)
  --search-refresh-ms MS         search answers from a snapshot at most MS old (default 0)`

function parseArgs(argv: string[]): EmulatorOptions & { scenarioFile?: string } {
  const opts: EmulatorOptions & { scenarioFile?: string } = { port: 8081 }
  const users: NonNullable<EmulatorOptions['users']> = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    switch (a) {
      case '--port':
        opts.port = Number(next())
        break
      case '--scenario':
        opts.scenarioFile = next()
        break
      case '--db':
        opts.dbMode = next() as 'datastore' | 'orient'
        break
      case '--version':
        opts.version = next()
        break
      case '--edition':
        opts.edition = next() as 'OSS' | 'PRO' | 'COMMUNITY'
        break
      case '--base-url':
        opts.baseUrl = next()
        break
      case '--head-manifest-404':
        opts.headManifest404 = true
        break
      case '--delete-by-digest-removes-tags':
        opts.deleteByDigestRemovesTags = next() === 'true'
        break
      case '--tags-link':
        opts.tagsListLinkHeader = next() as LinkHeaderMode
        break
      case '--anonymous':
        opts.anonymousAccess = true
        break
      case '--no-force-basic-auth':
        opts.forceBasicAuth = false
        break
      case '--user': {
        const [username, password, privs = ''] = next().split(':')
        users.push({ username, password, privileges: privs.split(',').filter(Boolean) })
        break
      }
      case '--task-mode':
        opts.tasks = { ...opts.tasks, mode: next() as 'timer' | 'clock' | 'polls' }
        break
      case '--task-duration':
        opts.tasks = { ...opts.tasks, durationMs: Number(next()) }
        break
      case '--now':
        opts.now = next()
        break
      case '--digest-components':
        opts.digestComponents = true
        break
      case '--extra-assets':
        opts.extraAssets = true
        break
      case '--listing-hides':
        opts.listingHides = next().split(',')
        break
      case '--search-engine':
        opts.searchEngine = next() as 'elasticsearch' | 'table'
        break
      case '--search-refresh-ms':
        opts.searchRefreshMs = Number(next())
        break
      case '--read-only':
        opts.readOnly = true
        break
      case '-h':
      case '--help':
        console.log(HELP)
        process.exit(0)
        break
      default:
        throw new Error(`Unknown option ${a}\n${HELP}`)
    }
  }
  if (users.length > 0) opts.users = users
  return opts
}

async function main(): Promise<void> {
  const { scenarioFile, ...opts } = parseArgs(process.argv.slice(2))
  // `demo`: the scenario npm run demo cleans (scripts/demo-scenario.ts); otherwise a scenario JSON file
  if (scenarioFile === 'demo') opts.scenario = (await import('../../scripts/demo-scenario')).demoScenario()
  else if (scenarioFile) opts.scenario = JSON.parse(readFileSync(scenarioFile, 'utf8')) as Scenario
  const emulator = await startNexusEmulator(opts)
  console.log(emulator.url)
  for (const r of emulator.state.repositories.values()) {
    const c = emulator.connectorUrl(r.config.name)
    if (c) console.log(`connector ${r.config.name}: ${c}`)
  }
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch(e => {
  console.error((e as Error).message)
  process.exit(1)
})
