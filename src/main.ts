// The GitHub Action door: inputs from the runner, outputs, job summary and exit status.

import * as core from '@actions/core'
import { parseConfig, type Config } from './config'
import { runMerged } from './merged-run'
import type { RunReport } from './model'
import { OUTPUTS } from './inputs'
import { Logger, oneLine } from './log'
import { actionOutputs, renderSummary, reportJson, type BoundedReport } from './report'
import { runStreamed, writeReportFile, writeReportText } from './streamed-run'
import { VERSION as version } from './version'

// core.info writes its text raw: one line, never a workflow command (core escapes the others' text).
const actionsLogger: Logger = {
  debug: m => core.debug(oneLine(m)),
  info: m => core.info(oneLine(m)),
  warning: m => core.warning(oneLine(m)),
  error: m => core.error(oneLine(m)),
  group: (name, fn) => core.group(oneLine(name), fn)
}

export async function run(): Promise<void> {
  try {
    // Mask the password and the Authorization header built from it before anything can print them.
    const password = core.getInput('password')
    if (password) {
      core.setSecret(password)
      core.setSecret(Buffer.from(`${core.getInput('username')}:${password}`).toString('base64'))
    }
    // Not core.getInput: it reads an input given as '' like one left out, and an empty list must be refused.
    const cfg = parseConfig(name => process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`])
    const deps = { log: actionsLogger, version }
    if (cfg.mergeReports.length > 0) {
      const merged = await runMerged(cfg, deps)
      return await publish(merged, merged.failures, cfg, () => cfg.reportFile && writeReportText(cfg.reportFile, reportJson(merged)))
    }
    const streamed = await runStreamed(cfg, deps, cfg.reportFile !== undefined)
    await publish(streamed.report, streamed.report.summary.failures, cfg, () => {
      const error = writeReportFile(streamed, cfg)
      streamed.spool?.dispose()
      return error
    })
  } catch (e) {
    // Failed before anything was deleted (config, access, listing): say so in the outputs too.
    for (const o of OUTPUTS)
      core.setOutput(o.name, /count$/.test(o.name) ? '0' : o.name === 'deleted' || o.name === 'would-delete' || o.name === 'tasks' ? '[]' : '')
    core.setFailed((e as Error).message)
  }
}

/** Outputs, the JSON report (`writeReport` returns its error line), the job summary and the exit status. */
async function publish(report: RunReport | BoundedReport, failures: string[], cfg: Config, writeReport: () => string | undefined): Promise<void> {
  for (const [name, value] of Object.entries(actionOutputs(report))) core.setOutput(name, value)
  const reportError = writeReport()
  if (cfg.reportFile && !reportError) core.setOutput('report-file', cfg.reportFile)
  renderSummary(report, core.summary, cfg.reportFile && !reportError ? { fullList: `full list in the JSON report, ${cfg.reportFile}` } : {})
  await core.summary.write()
  if (failures.length > 0) core.setFailed(`${failures.length} failure(s); first: ${failures[0]}`)
  if (reportError) core.setFailed(reportError)
}

void run()
