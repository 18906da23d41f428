// The GitHub Action door: inputs from the runner, outputs, job summary and exit status.

import * as core from '@actions/core'
import { parseConfig } from './config'
import { OUTPUTS } from './inputs'
import { Logger } from './log'
import { actionOutputs, renderSummary } from './report'
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

void run()
