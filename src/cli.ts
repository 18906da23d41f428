// The CLI door, for cron and other CI systems: the action's inputs as flags, the same engine, the
// report as a terminal table on stdout. Exit 0 = done, 1 = something failed, 2 = bad usage.

import { readFileSync } from 'node:fs'
import { ConfigError, parseConfig } from './config'
import { helpText, parseArgs, type CliArgs } from './cli-args'
import { consoleLogger } from './log'
import { renderTerminal } from './report'
import { runStreamed, writeReportFile } from './streamed-run'
import { VERSION as version } from './version'

export { helpText, parseArgs, UsageError, type CliArgs } from './cli-args'

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(helpText(version, process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100) + '\n')
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
        const fullList = cfg.reportFile && !reportFailed ? `full list in ${cfg.reportFile}` : 'add --report-file FILE or --json for the full list'
        process.stdout.write(renderTerminal(report, { color: tty, fullList, ...(tty && process.stdout.columns ? { width: process.stdout.columns } : {}) }))
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
