// The GitHub Action door: inputs from the runner, outputs, job summary and exit status.

import * as core from '@actions/core'
import { writeFileSync } from 'node:fs'
import { parseConfig, type Config } from './config'
import { runMerged } from './merged-run'
import type { RunReport } from './model'
import { OUTPUTS } from './inputs'
import { Logger } from './log'
import { actionOutputs, renderSummary, reportJson } from './report'
import { runStreamed, writeReportFile } from './streamed-run'
import { VERSION as version } from './version'

const actionsLogger: Logger = {
  debug: m => core.debug(m),
  info: m => core.info(m),
  warning: m => core.warning(m),
  error: m => core.error(m),
  group: (name, fn) => core.group(name, fn)
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
    if (cfg.mergeReports.length > 0) return await publishMerged(await runMerged(cfg, { log: actionsLogger, version }), cfg)
    const streamed = await runStreamed(cfg, { log: actionsLogger, version }, cfg.reportFile !== undefined)
    const { report } = streamed
    for (const [name, value] of Object.entries(actionOutputs(report))) core.setOutput(name, value)
    const reportError = writeReportFile(streamed, cfg)
    if (cfg.reportFile && !reportError) core.setOutput('report-file', cfg.reportFile)
    streamed.spool?.dispose()
    renderSummary(report, core.summary, cfg.reportFile && !reportError ? { fullList: `full list in the JSON report, ${cfg.reportFile}` } : {})
    await core.summary.write()
    const failures = report.summary.failures
    if (failures.length > 0) {
      core.setFailed(`${failures.length} failure(s); first: ${failures[0]}`)
    }
    if (reportError) core.setFailed(reportError)
  } catch (e) {
    // Failed before anything was deleted (config, access, listing): say so in the outputs too.
    for (const o of OUTPUTS)
      core.setOutput(o.name, /count$/.test(o.name) ? '0' : o.name === 'deleted' || o.name === 'would-delete' || o.name === 'tasks' ? '[]' : '')
    core.setFailed((e as Error).message)
  }
}

/** A merged run: the same outputs, summary and report-file, of the whole run. */
async function publishMerged(report: RunReport, cfg: Config): Promise<void> {
  for (const [name, value] of Object.entries(actionOutputs(report))) core.setOutput(name, value)
  let reportError: string | undefined
  if (cfg.reportFile) {
    try {
      writeFileSync(cfg.reportFile, reportJson(report))
      core.setOutput('report-file', cfg.reportFile)
    } catch (e) {
      reportError = `report-file ${cfg.reportFile}: ${(e as Error).message}`
    }
  }
  renderSummary(report, core.summary, cfg.reportFile && !reportError ? { fullList: `full list in the JSON report, ${cfg.reportFile}` } : {})
  await core.summary.write()
  if (report.failures.length > 0) core.setFailed(`${report.failures.length} failure(s); first: ${report.failures[0]}`)
  if (reportError) core.setFailed(reportError)
}

void run()
