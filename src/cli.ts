// The CLI door, for cron and other CI systems: the action's inputs as flags, the same engine, the
// report as a terminal table on stdout. Exit 0 = done, 1 = something failed, 2 = bad usage.

import { readFileSync } from 'node:fs'
import { ConfigError, parseConfig } from './config'
import { INPUTS } from './inputs'
import { consoleLogger } from './log'
import { renderTerminal } from './report'
import { runStreamed, writeReportFile } from './streamed-run'
import { VERSION as version } from './version'

export class UsageError extends Error {}

export interface CliArgs {
  inputs: Record<string, string>
  passwordStdin: boolean
  passwordEnv?: string
  json: boolean
  verbose: boolean
  help: boolean
  version: boolean
}

const FLAG_INPUTS = new Set(INPUTS.map(i => i.name).filter(n => n !== 'password' && n !== 'dry-run'))

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { inputs: {}, passwordStdin: false, json: false, verbose: false, help: false, version: false }
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string // i < argv.length
    const eq = raw.indexOf('=')
    const flag = eq > 0 ? raw.slice(0, eq) : raw
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined
    const value = (): string => {
      if (inline !== undefined) return inline
      const v = argv[++i]
      if (v === undefined) throw new UsageError(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true
        break
      case '--version':
        args.version = true
        break
      case '--dry-run':
        args.inputs['dry-run'] = inline ?? 'true'
        break
      case '--delete':
        args.inputs['dry-run'] = 'false'
        break
      case '--password-stdin':
        args.passwordStdin = true
        break
      case '--password-env':
        args.passwordEnv = value()
        break
      case '--password':
        throw new UsageError('--password is not accepted (it would show in the process list): use --password-stdin or --password-env VAR')
      case '--json':
        args.json = true
        break
      case '-v':
      case '--verbose':
        args.verbose = true
        break
      default: {
        const name = flag.replace(/^--/, '')
        if (!flag.startsWith('--') || !FLAG_INPUTS.has(name)) throw new UsageError(`unknown option ${flag} (see --help)`)
        // Repeated list flags accumulate: --images a --images b == --images a,b
        args.inputs[name] = args.inputs[name] ? `${args.inputs[name]}\n${value()}` : value()
      }
    }
  }
  return args
}

export function helpText(): string {
  const lines = [
    `nexus-image-lifecycle ${version}: keep the newest Docker images in Nexus 3 or an OCI registry, delete the rest.`,
    '',
    'Usage: nexus-image-lifecycle --host URL [options]',
    '',
    'Options (the GitHub Action inputs of the same name):'
  ]
  for (const i of INPUTS) {
    if (i.name === 'password' || i.name === 'dry-run') continue
    lines.push(`  --${i.name} VALUE`.padEnd(28) + i.description + (i.default ? ` [default: ${i.default}]` : ''))
  }
  lines.push(
    '  --password-stdin'.padEnd(28) + 'Read the password from standard input.',
    '  --password-env VAR'.padEnd(28) + 'Read the password from environment variable VAR.',
    '  --dry-run | --delete'.padEnd(28) + 'Plan only (default), or really delete.',
    '  --json'.padEnd(28) + 'Print the JSON report instead of the table.',
    '  -v, --verbose'.padEnd(28) + 'Debug logging on stderr.',
    '',
    'Exit status: 0 done, 1 something failed (see the report), 2 bad usage or input.'
  )
  return lines.join('\n')
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(helpText() + '\n')
    return 0
  }
  if (args.version) {
    process.stdout.write(version + '\n')
    return 0
  }
  let password = ''
  if (args.passwordEnv) {
    password = process.env[args.passwordEnv] ?? ''
    if (!password) {
      process.stderr.write(`error: --password-env ${args.passwordEnv}: the variable is empty or unset\n`)
      return 2
    }
  } else if (args.passwordStdin) {
    password = readFileSync(0, 'utf8').replace(/\r?\n$/, '')
  }
  const log = consoleLogger(args.verbose)
  try {
    const cfg = parseConfig(name => (name === 'password' ? password : args.inputs[name]))
    const streamed = await runStreamed(cfg, { log, version }, Boolean(cfg.reportFile) || args.json)
    const { report, spool } = streamed
    const reportError = writeReportFile(streamed, cfg)
    const reportFailed = reportError !== undefined
    if (reportError) process.stderr.write(`error: ${reportError}\n`)
    try {
      if (spool && args.json) await spool.writeStream(report.summary, process.stdout)
      else {
        // On a terminal, the table fits its width (free-text columns are cut); piped, nothing is cut.
        const tty = process.stdout.isTTY === true
        process.stdout.write(renderTerminal(report, { color: tty, ...(tty && process.stdout.columns ? { width: process.stdout.columns } : {}) }))
      }
      process.stdout.write('\n')
    } finally {
      spool?.dispose()
    }
    return report.summary.failures.length > 0 || reportFailed ? 1 : 0
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`)
    return e instanceof ConfigError ? 2 : 1
  }
}
