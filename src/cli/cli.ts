// The CLI door, for cron and other CI systems: the action's inputs as flags, the same engine, the
// report as a terminal table on stdout. Exit 0 = done, 1 = something failed, 2 = bad usage.

import { readFileSync } from 'node:fs'
import { ConfigError, parseConfig } from '../config/config'
import { helpText, MERGE_HELP, parseArgs, parseMergeArgs, UsageError, type CliArgs } from './args'
import { runMerged, runStreamed, writeReportFile, writeReportText } from '../run/engine'
import type { RunReport } from '../model'
import { mergeReports, readReportFile } from '../report/merge'
import { consoleLogger, oneLine, unsteerable } from '../util/log'
import { readConfigFile } from './config-file'
import { renderTerminal, reportJson, type BoundedReport } from '../report/index'
import { VERSION as version } from '../util/version'
import { describeError } from '../run/errors'
import { Stop, stopExitCode } from '../run/stop'
import { Progress } from '../run/progress'

export { helpText, parseArgs, UsageError, type CliArgs } from './args'

/** `merge-reports FILE... [--json] [--report-file F]`: the shards' reports as one, no server asked. */
function mergeCommand(argv: string[]): number {
  const { files, json, reportFile, help } = parseMergeArgs(argv)
  if (help) {
    process.stdout.write(MERGE_HELP + '\n')
    return 0
  }
  return printMerged(mergeReports(files.map(readReportFile)), json, reportFile)
}

/**
 * Colour: --color / --no-color first, then NO_COLOR (any value, https://no-color.org) and FORCE_COLOR (any
 * value but 0 or false), then whether stdout is a terminal.
 */
export function useColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, tty: boolean): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return !/^(0|false)$/i.test(env.FORCE_COLOR)
  return tty
}

let colorFlag: boolean | undefined

/** The report as a table; `written`: where the JSON report went, when it did. */
function table(report: RunReport | BoundedReport, written: string | undefined): string {
  // On a terminal, the table fits its width (free-text columns are cut); piped, nothing is cut.
  const tty = process.stdout.isTTY === true
  const fullList = written ? `full list in ${written}` : 'add --report-file FILE or --json for the full list'
  const color = useColor(colorFlag, process.env, tty)
  return renderTerminal(report, { color, fullList, ...(tty && process.stdout.columns ? { width: process.stdout.columns } : {}) })
}

function printMerged(report: RunReport, json: boolean, reportFile: string | undefined): number {
  const text = reportJson(report)
  const reportError = reportFile ? writeReportText(reportFile, text) : undefined
  if (reportError) process.stderr.write(oneLine(`error: ${reportError}`) + '\n')
  process.stdout.write((json ? text : unsteerable(table(report, reportFile && !reportError ? reportFile : undefined))) + '\n')
  return report.failures.length > 0 || reportError ? 1 : 0
}

/** The inputs of --config, under the flags given on the command line (which win). */
function withConfigFile(args: CliArgs): CliArgs {
  if (args.config === undefined) return args
  const file = readConfigFile(args.config)
  const passwordEnv = args.passwordEnv ?? (args.passwordStdin ? undefined : file.passwordEnv)
  return { ...args, inputs: { ...file.inputs, ...args.inputs }, ...(passwordEnv !== undefined ? { passwordEnv } : {}) }
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'merge-reports') {
    try {
      return mergeCommand(argv.slice(1))
    } catch (e) {
      process.stderr.write(oneLine(`error: ${(e as Error).message}`) + '\n')
      return e instanceof UsageError ? 2 : 1
    }
  }
  let args: CliArgs
  try {
    args = withConfigFile(parseArgs(argv))
  } catch (e) {
    process.stderr.write(oneLine(`error: ${(e as Error).message}`) + '\n')
    return 2
  }
  colorFlag = args.color
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
  // The first SIGINT, SIGTERM or SIGHUP stops the run with its record; a second one aborts what is open.
  const stop = new Stop()
  const progress = new Progress()
  const unlisten = stop.listen(m => log.warning(m))
  try {
    const cfg = parseConfig(name => (name === 'password' ? password : args.inputs[name]))
    if (cfg.mergeReports.length > 0) return printMerged(await runMerged(cfg, { log, version, stop }), args.json, cfg.reportFile)
    const streamed = await runStreamed(cfg, { log, version, stop, progress, verbose: args.verbose }, Boolean(cfg.reportFile) || args.json)
    const { report, spool } = streamed
    const reportError = writeReportFile(streamed, cfg)
    const reportFailed = reportError !== undefined
    if (reportError) process.stderr.write(oneLine(`error: ${reportError}`) + '\n')
    try {
      if (spool && args.json) await spool.writeStream(report.summary, process.stdout)
      else process.stdout.write(unsteerable(table(report, reportFailed ? undefined : cfg.reportFile)))
      process.stdout.write('\n')
    } finally {
      spool?.dispose()
    }
    if (stop.reason) return stopExitCode(stop.reason)
    return report.summary.failures.length > 0 || reportFailed ? 1 : 0
  } catch (e) {
    const error = describeError(e as Error, stop, progress)
    process.stderr.write(oneLine(`error: ${error.message}`) + '\n')
    if (error.hint) process.stderr.write(oneLine(`hint: ${error.hint}`) + '\n')
    // --json promises one JSON document on stdout, failed runs included
    if (args.json) process.stdout.write(JSON.stringify({ error }, null, 2) + '\n')
    if (stop.reason) return stopExitCode(stop.reason)
    return e instanceof ConfigError ? 2 : 1
  } finally {
    unlisten()
    stop.dispose()
  }
}
