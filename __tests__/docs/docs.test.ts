// The README and docs/ as a user meets them: every relative link and anchor resolves; every YAML block
// parses; every workflow runs on a self-hosted runner, pins the actions it uses by SHA with the version in a
// comment, and deletes only once switched on; the recipes outside GitHub have the shape their text promises;
// the README is a front page (short, a table of contents, the quick start first).

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseAllDocuments, parse } from 'yaml'

const ROOT = join(__dirname, '..', '..')
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter(f => f.endsWith('.md'))
    .map(f => `docs/${f}`),
  'test/nexus-emulator/README.md',
  'CHANGELOG.md'
]
const read = (page: string): string => readFileSync(join(ROOT, page), 'utf8')

/** Markdown without its fenced code blocks (a link inside code is not a link). */
const prose = (md: string): string => md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const m of md.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = (m[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

interface Block {
  page: string
  lang: string
  text: string
  /** The text before the block on its page. */
  before: string
}

function blocks(lang: string): Block[] {
  return PAGES.flatMap(page => {
    const md = read(page)
    return [...md.matchAll(/```(\w*)\n([\s\S]*?)```/g)]
      .filter(m => m[1] === lang)
      .map(m => ({ page, lang, text: m[2] ?? '', before: md.slice(0, m.index) }))
  })
}

describe('links', () => {
  it.each(PAGES)('every relative link and anchor in %s resolves', page => {
    const md = read(page)
    const broken: string[] = []
    for (const m of prose(md).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? ''
      if (/^[a-z]+:/i.test(target)) continue // https:, mailto:
      const [path, anchor] = target.split('#') as [string, string | undefined]
      const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path)
      if (!existsSync(file)) {
        broken.push(`${target}: no such file`)
        continue
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`)
    }
    expect(broken).toEqual([])
  })
})

describe('YAML blocks', () => {
  const yaml = blocks('yaml')

  it('there are blocks to check', () => {
    expect(yaml.length).toBeGreaterThan(10)
  })

  it.each(yaml.map((b, i) => [`${b.page} #${i}`, b] as const))('%s parses', (_name, b) => {
    const errors = parseAllDocuments(b.text).flatMap(d => d.errors.map(e => e.message))
    expect(errors).toEqual([])
  })

  /** Workflows and bare steps that use the action. */
  const workflows = yaml.filter(b => /uses: your-org\/nexus-image-lifecycle@/.test(b.text))

  it.each(workflows.map((b, i) => [`${b.page} #${i}`, b] as const))('%s: self-hosted, pinned, a dry run until switched on, introduced', (_name, b) => {
    const doc = parse(b.text) as Record<string, unknown> | Record<string, unknown>[]
    const problems: string[] = []
    // each job that runs the action is on a self-hosted runner
    const jobs = Array.isArray(doc) ? {} : ((doc['jobs'] ?? {}) as Record<string, { 'runs-on'?: unknown; steps?: { uses?: string; with?: Record<string, unknown> }[] }>)
    const steps = Array.isArray(doc) ? (doc as { uses?: string; with?: Record<string, unknown> }[]) : Object.values(jobs).flatMap(j => j.steps ?? [])
    for (const [name, job] of Object.entries(jobs)) {
      if (!(job.steps ?? []).some(s => s.uses?.includes('nexus-image-lifecycle'))) continue
      if (!JSON.stringify(job['runs-on'] ?? '').includes('self-hosted')) problems.push(`job ${name} is not on a self-hosted runner`)
    }
    // the action never deletes at once: dry-run absent (true), an input defaulting to true, or the switch
    for (const s of steps.filter(x => x.uses?.includes('nexus-image-lifecycle'))) {
      const dry = s.with?.['dry-run']
      if (dry === false || dry === 'false') problems.push('dry-run: false written out')
    }
    // every other action pinned by a full commit SHA, with its version in a comment
    for (const line of b.text.split('\n').filter(l => /^\s*-?\s*uses: /.test(l) && !l.includes('your-org/nexus-image-lifecycle'))) {
      if (!/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(line.trim())) problems.push(`not pinned by SHA with its version: ${line.trim()}`)
    }
    // the text says what it shows: a sentence right before the block
    const lead = b.before
      .trimEnd()
      .split('\n')
      .filter(l => l.trim() !== '' && !/^<!--/.test(l))
      .pop()
    if (!lead || /^#|^```/.test(lead)) problems.push('no sentence before the block says what it shows')
    expect(problems).toEqual([])
  })

  it('the pinned versions are the same everywhere (one version of each action)', () => {
    const texts = [...blocks('yaml').map(b => b.text), ...readdirSync(join(ROOT, '.github', 'workflows')).map(f => read(`.github/workflows/${f}`))]
    const pins = new Map<string, Set<string>>()
    for (const t of texts) for (const m of t.matchAll(/uses: ([\w.-]+\/[\w.-]+)[\w./-]*@([0-9a-f]{40}) # (v[\d.]+)/g)) {
      const set = pins.get(m[1] ?? '') ?? new Set<string>()
      set.add(`${m[2]} ${m[3]}`)
      pins.set(m[1] ?? '', set)
    }
    const many = [...pins].filter(([, s]) => s.size > 1).map(([a, s]) => `${a}: ${[...s].join(', ')}`)
    expect(many).toEqual([])
    expect(pins.size).toBeGreaterThan(3)
  })
})

describe('recipes outside GitHub (docs/outside-github.md)', () => {
  const page = read('docs/outside-github.md')
  const docs = blocks('yaml')
    .filter(b => b.page === 'docs/outside-github.md')
    .map(b => parse(b.text) as Record<string, unknown>)
  const kind = (k: string) => docs.filter(d => d['kind'] === k)
  type Pod = {
    securityContext?: Record<string, unknown>
    containers: { args?: string[]; env?: { valueFrom?: { secretKeyRef?: unknown } }[]; volumeMounts?: unknown[] }[]
  }

  it('a CronJob: batch/v1, Forbid, non-root, the password from a Secret, the report to a volume', () => {
    const [cron] = kind('CronJob') as { apiVersion: string; spec: { concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: Pod } } } } }[]
    expect(cron?.apiVersion).toBe('batch/v1')
    expect(cron?.spec.concurrencyPolicy).toBe('Forbid')
    const pod = cron?.spec.jobTemplate.spec.template.spec
    expect(pod?.securityContext?.['runAsNonRoot']).toBe(true)
    const c = pod?.containers[0]
    expect(c?.env?.some(e => e.valueFrom?.secretKeyRef)).toBe(true)
    expect(c?.args).toContain('--password-env=NEXUS_PASSWORD')
    expect(c?.args?.some(a => a.startsWith('--report-file=/reports/'))).toBe(true)
  })

  it('an Indexed Job: one shard per index, reports to a shared volume, then merge-reports', () => {
    const [job] = kind('Job') as { spec: { completionMode: string; completions: number; template: { spec: Pod } } }[]
    expect(job?.spec.completionMode).toBe('Indexed')
    const args = (job?.spec.template.spec.containers[0]?.args ?? []).join(' ')
    expect(args).toContain(`--shard "$((JOB_COMPLETION_INDEX + 1))/${job?.spec.completions}"`)
    expect(page).toMatch(/merge-reports '\/reports\/shard-\*\.json'/)
  })

  it('GitLab CI: a scheduled job that deletes, a dry run on merge requests', () => {
    const gitlab = docs.find(d => 'stages' in d) as Record<string, { rules?: { if?: string }[]; script?: string[] }>
    const jobs = Object.values(gitlab).filter(j => Array.isArray(j?.rules))
    const scheduled = jobs.find(j => j.rules?.some(r => r.if?.includes('schedule')))
    const mr = jobs.find(j => j.rules?.some(r => r.if?.includes('merge_request_event')))
    expect(scheduled?.script?.join(' ')).toContain('--delete')
    expect(mr?.script?.join(' ')).not.toContain('--delete')
  })

  it('Jenkins binds the credential to the variable --password-env names; cron has a lock', () => {
    expect(page).toMatch(/withCredentials\(\[string\(credentialsId: '[^']+', variable: 'NEXUS_PASSWORD'\)\]\)/)
    expect(page).toContain('--config cleanup.yml')
    expect(page).toMatch(/flock -n \S+ npx --yes nexus-image-lifecycle@1/)
  })
})

describe('README as a front page', () => {
  const readme = read('README.md')
  const lines = readme.split('\n')

  it('is at most 3,000 words', () => {
    expect(readme.split(/\s+/).filter(w => w !== '').length).toBeLessThanOrEqual(3000)
  })

  it('has a table of contents in its first 60 lines, each entry a heading of the page', () => {
    const toc = lines.slice(0, 60).filter(l => /^- \[[^\]]+\]\(#[^)]+\)$/.test(l))
    expect(toc.length).toBeGreaterThanOrEqual(6)
    const heads = anchors(readme)
    for (const l of toc) expect(heads.has(/\(#([^)]+)\)/.exec(l)?.[1] ?? '')).toBe(true)
  })

  it("shows the quick start's workflow within its first 40 lines, and the must-dos right after", () => {
    const start = lines.findIndex(l => l === '## Quick start')
    const block = lines.findIndex((l, i) => i > start && l === '```yaml')
    expect(start).toBeGreaterThan(0)
    expect(block).toBeLessThan(40)
    const next = lines.findIndex((l, i) => i > block && l.startsWith('## '))
    expect(lines[next]).toBe('## Before the first run')
  })
})
