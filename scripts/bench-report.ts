// npm run bench's output: the results table, the requests by kind, and which commit was measured.

import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import type { RunResult } from './bench-run'

const ROOT = resolve(__dirname, '..')

// ------------------------------------------------------------------ output

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)))
  const line = (r: string[]): string => '| ' + r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |'
  return [
    line(rows[0]),
    '|' + widths.map((w, c) => (c < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.slice(1).map(line)
  ].join('\n')
}

export function render(runs: RunResult[]): string {
  const main = [
    ['run', 'size', 'wall s', 'requests', 'req/tag', 'lower bound', 'ratio', 'peak RSS MB', 'deleted (manifests)', 'load', 'exit'],
    ...runs.map(r => [
      `${r.target} ${r.mode}`,
      `${r.images}x${r.tagsPerImage}`,
      (r.wallMs / 1000).toFixed(1),
      String(r.requestsTotal),
      r.requestsPerTag.toFixed(2),
      String(r.bound.total),
      r.ratio.toFixed(2),
      r.peakRssMb !== undefined ? r.peakRssMb.toFixed(0) : '?',
      `${r.plannedManifests}${r.mode === 'dry run' ? ' (would)' : ''}`,
      r.load.map(l => l.toFixed(1)).join('→'),
      String(r.exitCode)
    ])
  ]
  const out = [table(main), '']
  for (const r of runs) {
    out.push(
      `${r.target} ${r.mode}: ${Object.entries(r.requests)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`
    )
    out.push(`  lower bound ${r.bound.total} = ${r.bound.parts.map(p => `${p.what} ${p.requests}`).join(' + ')}`)
    if (r.serverRequests)
      out.push(
        `  emulator saw: ${Object.entries(r.serverRequests)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      )
    if (r.tagsLeft !== undefined) out.push(`  tags left ${r.tagsLeft} (expected ${r.expectedTagsLeft})`)
    out.push(`  dist/cli/index.js sha256 ${r.cli}, report ${((r.reportBytes ?? 0) / 2 ** 20).toFixed(1)} MB, load ${r.load.join(' -> ')}`)
    if (r.plannedManifests !== r.expectedManifests)
      out.push(`  NOTE: the plan deletes ${r.plannedManifests} manifests, the data set predicts ${r.expectedManifests}`)
    if (r.exitCode !== 0) out.push(`  FAILED: ${r.failures.join(' | ')}`)
  }
  return out.join('\n')
}

/** The commit the measured dist/ was built from (read-only git), and whether the tree had local changes. */
export function sourceVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'dist'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
    return dirty ? `${head} + local changes in src/ or dist/` : head
  } catch {
    return 'unknown'
  }
}
