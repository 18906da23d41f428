// The GitHub Action door: inputs from the runner, outputs, job summary and exit status.

import * as core from '@actions/core'
import { writeFileSync } from 'node:fs'
import { parseConfig } from './config'
import { runCleanup } from './engine'
import { OUTPUTS } from './inputs'
import { Logger } from './log'
import { actionOutputs, renderSummary, reportJson } from './report'
import { version } from '../package.json'

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
    const cfg = parseConfig(name => core.getInput(name))
    const report = await runCleanup(cfg, { log: actionsLogger, version })
    for (const [name, value] of Object.entries(actionOutputs(report))) core.setOutput(name, value)
    if (cfg.reportFile) {
      writeFileSync(cfg.reportFile, reportJson(report))
      core.setOutput('report-file', cfg.reportFile)
    }
    renderSummary(report, core.summary)
    await core.summary.write()
    if (report.failures.length > 0) {
      core.setFailed(`${report.failures.length} failure(s); first: ${report.failures[0]}`)
    }
  } catch (e) {
    // Failed before anything was deleted (config, access, listing): say so in the outputs too.
    for (const o of OUTPUTS) core.setOutput(o.name, /count$/.test(o.name) ? '0' : o.name === 'deleted' || o.name === 'would-delete' || o.name === 'tasks' ? '[]' : '')
    core.setFailed((e as Error).message)
  }
}

void run()
