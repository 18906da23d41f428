// What every stage of a run shares: the validated config, the HTTP client and the backend built from it,
// the clock, and the notes and failures the run collects as it goes.

import type { Backend } from '../backend'
import { Config, securityWarnings } from '../config/config'
import { Http } from '../http/http'
import type { Logger } from '../util/log'
import { NexusBackend } from '../nexus/backend'
import type { ReclaimOptions } from '../nexus/reclaim'
import { RegistryBackend } from '../registry/backend'
import { RegistryClient } from '../registry/client'
import { Stop } from './stop'
import { Progress } from './progress'

export const TOOL_NAME = 'nexus-image-lifecycle'

export interface EngineDeps {
  log: Logger
  version: string
  now?: () => Date
  /** Reclaim's waits: task poll bounds and the metrics flush (tests shorten them). */
  reclaimTiming?: Pick<ReclaimOptions, 'pollMinMs' | 'pollMaxMs' | 'metricsFlushMs'>
  /** How the run is stopped early (the doors listen for signals on it); default: never. */
  stop?: Stop
  /** Where the run is (the doors read it when a run fails); default: a new one. */
  progress?: Progress
  /** -v: log every request (method, path, status, ms; never credentials). */
  verbose?: boolean
}

export interface RunContext {
  cfg: Config
  deps: EngineDeps
  log: Logger
  http: Http
  backend: Backend
  /** The plan's clock: every age is measured from this instant. */
  started: Date
  t0: number
  /** Run-wide notes and warnings, in the order they arose. */
  notes: string[]
  /** One line per failure; any makes the run exit non-zero. */
  failures: string[]
  /** A stop (a signal, max-duration): no new deletion starts, and the run ends with its record. */
  stop: Stop
  progress: Progress
}

/** A logger that says each warning once per run (a note met per image is one line, not hundreds). */
function onceEach(log: Logger): Logger {
  const said = new Set<string>()
  return { ...log, warning: m => void (said.has(m) || (said.add(m), log.warning(m))) }
}

export function createBackend(cfg: Config, http: Http): Backend {
  if (cfg.api === 'registry') {
    const client = new RegistryClient(http, cfg.registryUrl ?? cfg.host)
    return new RegistryBackend(client, {
      parallel: cfg.concurrency,
      policy: cfg.policy,
      verifyBeforeDelete: cfg.verifyBeforeDelete,
      sizeEstimate: cfg.sizeEstimate,
      forceOnNexus: cfg.forceRegistryApi
    })
  }
  return new NexusBackend(http, {
    host: cfg.host,
    repositories: cfg.repositories,
    registryUrl: cfg.registryUrl,
    policy: cfg.policy,
    concurrency: cfg.concurrency,
    sizeEstimate: cfg.sizeEstimate,
    verifyBeforeDelete: cfg.verifyBeforeDelete,
    deleteMethod: cfg.deleteMethod,
    listing: cfg.listing,
    dryRun: cfg.dryRun,
    runCleanupTasks: cfg.runCleanupTasks,
    createMissingTasks: cfg.createMissingTasks
  })
}

/** Builds the HTTP client and the backend; says the config's warnings once. Sends nothing. */
export function openRun(cfg: Config, deps: EngineDeps): RunContext {
  const log = onceEach(deps.log)
  const stop = deps.stop ?? new Stop()
  if (cfg.maxDurationMs !== undefined) stop.deadline(cfg.maxDurationMs)
  const http = new Http({
    username: cfg.username,
    password: cfg.password,
    timeoutMs: cfg.requestTimeoutMs,
    retries: cfg.retries,
    ...(cfg.adaptiveStart !== undefined ? { concurrency: cfg.adaptiveStart, maxConcurrency: cfg.concurrency } : { concurrency: cfg.concurrency }),
    userAgent: `${TOOL_NAME}/${deps.version}`,
    log,
    caCert: cfg.caCert,
    insecureSkipTlsVerify: cfg.insecureSkipTlsVerify,
    home: [cfg.host, ...(cfg.registryUrl ? [cfg.registryUrl] : [])].map(u => new URL(u).origin),
    tokenRealmHosts: cfg.tokenRealmHosts,
    signal: stop.abort.signal,
    ...(deps.verbose ? { logRequests: true } : {})
  })
  const progress = deps.progress ?? new Progress()
  progress.requests = () => Object.entries(http.counts).reduce((n, [k, v]) => (k === 'retries' ? n : n + v), 0)
  const run: RunContext = {
    cfg,
    deps,
    log,
    http,
    backend: createBackend(cfg, http),
    started: (deps.now ?? (() => new Date()))(),
    t0: Date.now(),
    notes: [],
    failures: [],
    stop,
    progress
  }
  const warnings = [...securityWarnings(cfg)]
  if (cfg.api === 'registry' && cfg.policy.ageBasis === 'pushed') {
    warnings.push('age-basis pushed: a plain registry does not record push dates, so the image config created date is used')
  }
  for (const w of warnings) {
    log.warning(w)
    run.notes.push(w)
  }
  return run
}
