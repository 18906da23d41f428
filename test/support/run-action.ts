// Runs the bundled action (dist/index.js) the way the GitHub runner does: INPUT_* variables, the
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the exit code.

import { ChildProcess, execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertDistCurrent } from './dist-current'

const DIST = join(__dirname, '..', '..', 'dist', 'index.js')

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/** Parses the runner's GITHUB_OUTPUT file (`name<<delimiter` blocks). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    while (lines[++i] !== m[2]) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

let checked = false

/** `cwd`: the workspace the step runs in (relative paths in inputs resolve there). */
export function runAction(inputs: Record<string, string>, opts: { cwd?: string; started?: (child: ChildProcess) => void } = {}): Promise<ActionRun> {
  if (!checked) {
    assertDistCurrent()
    checked = true
  }
  const dir = mkdtempSync(join(tmpdir(), 'nil-action-'))
  const outFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_OUTPUT: outFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: dir }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  return new Promise(resolve => {
    const child = execFile(process.execPath, [DIST], { env, timeout: 60_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) }, (err, stdout, stderr) => {
      resolve({
        stderr,
        code: err ? ((err as { code?: number }).code ?? 1) : 0,
        stdout,
        outputs: parseOutputs(readFileSync(outFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8')
      })
    })
    opts.started?.(child)
  })
}
