// The GitHub Action door: inputs from the runner, outputs, job summary and exit status.

import * as core from '@actions/core'
import { parseConfig, type Config } from './config/config'
import { runMerged, runStreamed, writeReportFile, writeReportText } from './run/engine'
import type { RunReport } from './model'
import { INPUTS, OUTPUTS } from './config/inputs'
import { didYouMean } from './util/suggest'
import { Logger, oneLine } from './util/log'
import { actionOutputs, renderSummary, reportJson, type BoundedReport } from './report/index'
import { VERSION as version } from './util/version'
import { describeError, failedHeadline, type RunError } from './run/errors'
import { Progress } from './run/progress'
import { Stop, stopExitCode } from './run/stop'
import { escapeHtml } from './report/format'

// core.info writes its text raw: one line, never a workflow command (core escapes the others' text).
const actionsLogger: Logger = {
  debug: m => core.debug(oneLine(m)),
  info: m => core.info(oneLine(m)),
  warning: m => core.warning(oneLine(m)),
  error: m => core.error(oneLine(m)),
  group: (name, fn) => core.group(oneLine(name), fn)
}

export async function run(): Promise<void> {
  // The runner cancels with SIGINT, then SIGTERM, then kills: the first stops the run with its record.
  const stop = new Stop()
  const progress = new Progress()
  const unlisten = stop.listen(m => core.warning(m))
  try {
    // Mask the password and the Authorization header built from it before anything can print them.
    const password = core.getInput('password')
    if (password) {
      core.setSecret(password)
      core.setSecret(Buffer.from(`${core.getInput('username')}:${password}`).toString('base64'))
    }
    warnUnknownInputs(process.env)
    // Not core.getInput: it reads an input given as '' like one left out, and an empty list must be refused.
    const cfg = parseConfig(name => process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`])
    const deps = { log: actionsLogger, version, stop, progress }
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
    // Failed (config, access, listing) or stopped early: the outputs, the summary and the log say so.
    const error = describeError(e as Error, stop, progress)
    for (const o of OUTPUTS)
      core.setOutput(o.name, /count$/.test(o.name) ? '0' : o.name === 'deleted' || o.name === 'would-delete' || o.name === 'tasks' ? '[]' : '')
    core.setOutput('deleted-count', String(progress.tagsDeleted))
    core.setOutput('stopped', stop.reason ?? '')
    await writeFailedSummary(error)
    const redundant = error.hint === undefined || error.message.includes(error.hint.slice(0, 24))
    core.setFailed(redundant ? error.message : `${error.message} (${error.hint})`)
  } finally {
    unlisten()
    stop.dispose()
  }
  // A stopped run exits with the signal's code once its record is written (requests it let go may be open).
  if (stop.reason) process.exit(stopExitCode(stop.reason))
}

/**
 * An input the action does not have (`kepp: 3`) would be ignored in silence and the default used: the runner
 * passes every `with:` key as INPUT_<NAME>, so each one that is not in action.yml gets a warning.
 */
function warnUnknownInputs(env: NodeJS.ProcessEnv): void {
  const known = INPUTS.map(i => i.name)
  const byEnv = new Set(known.map(n => `INPUT_${n.replace(/ /g, '_').toUpperCase()}`))
  for (const key of Object.keys(env)) {
    if (!key.startsWith('INPUT_') || byEnv.has(key)) continue
    const name = key.slice('INPUT_'.length).toLowerCase()
    core.warning(`input '${oneLine(name)}' is not an input of this action and is ignored${didYouMean(name, known)}`)
  }
}

/** The job summary of a run that failed: the headline, what failed, the usual fix, what was done. */
async function writeFailedSummary(error: RunError): Promise<void> {
  try {
    core.summary.addHeading(escapeHtml(failedHeadline(error)), 2)
    core.summary.addRaw(`<p><strong>${escapeHtml(error.code)}</strong>: ${escapeHtml(error.message)}</p>`, true)
    if (error.hint) core.summary.addRaw(`<p>Fix: ${escapeHtml(error.hint)}</p>`, true)
    const d = error.done
    core.summary.addRaw(
      `<p><sub>When it ended: ${escapeHtml(d.phase)}, ${d.imagesDone} images done, ${d.tagsDeleted} tags deleted (see the log).</sub></p>`,
      true
    )
    await core.summary.write()
  } catch (e) {
    core.warning(`the job summary could not be written: ${(e as Error).message}`)
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
