// The inputs of retention as code: rules YAML (or a file), keep-per, keep-lines, keep-references (or a
// file), delete-tags and max-components; bad values get one line naming the rule, the field and the line.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, parseConfig } from '../../src/config/config'

const BASE = { host: 'https://nexus.example.com', repository: 'docker-hosted' }
const parse = (inputs: Record<string, string>) => parseConfig(n => (({ ...BASE, ...inputs }) as Record<string, string>)[n])
function failure(inputs: Record<string, string>): Error {
  try {
    parse(inputs)
  } catch (e) {
    return e as Error
  }
  throw new Error('no error')
}

const RULES = `
- images: prod/**
  keep: 20
  keep-per: minor
- images: [feature/**]
  exclude-images: feature/keep-*
  keep: 1
  older-than: 7d
  delete-tags: pr-*, tmp-*
- images: "**"
  keep: 5
  older-than: 30d
`

describe('rules', () => {
  it('reads a list of rules; list fields as YAML lists or the comma form', () => {
    const cfg = parse({ rules: RULES })
    expect(cfg.policy.rules).toEqual([
      { index: 1, images: ['prod/**'], excludeImages: [], set: { keep: 20, keepPer: 'minor' } },
      {
        index: 2,
        images: ['feature/**'],
        excludeImages: ['feature/keep-*'],
        set: { keep: 1, olderThan: { ms: 7 * 86_400_000, text: '7d' }, deleteTags: ['pr-*', 'tmp-*'] }
      },
      { index: 3, images: ['**'], excludeImages: [], set: { keep: 5, olderThan: { ms: 30 * 86_400_000, text: '30d' } } }
    ])
  })

  it('reads the same from rules-file; both at once is an error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nil-rules-')), 'rules.yaml')
    writeFileSync(file, RULES)
    expect(parse({ 'rules-file': file }).policy.rules).toEqual(parse({ rules: RULES }).policy.rules)
    expect(failure({ rules: RULES, 'rules-file': file }).message).toBe(
      `Invalid input 'rules-file': ${JSON.stringify(file)}. Expected rules or rules-file, not both.`
    )
    expect(failure({ 'rules-file': join(file, 'nope') }).message).toMatch(/^Invalid input 'rules-file': .*Expected a readable YAML file\.$/)
  })

  it.each([
    ['bad YAML', '- images: [a\n  keep: 1', /^Invalid input 'rules' \(line \d\): .*Expected YAML: /],
    ['not a list', 'images: a', /^Invalid input 'rules' \(line 1\): .*Expected a YAML list of rules/],
    [
      'an unknown field',
      '- images: a\n  kep: 3',
      `Invalid input 'rules' (rule 1, line 2): "kep". Expected one of the fields images, exclude-images, keep, keep-other, keep-per, keep-lines, older-than, age-basis, sort, tags, keep-tags, delete-tags (did you mean keep?).`
    ],
    ['no images', '- keep: 3', `Invalid input 'rules' (rule 1, line 1): "". Expected an images field: the globs of the images the rule is for.`],
    [
      'a bad keep',
      '- images: a\n- images: b/**\n  keep: many',
      `Invalid input 'rules' (rule 2 (images: b/**), line 3, field keep): "many". Expected a whole number from 1 to 100000.`
    ],
    ['a bad glob', '- images: "[a"', /^Invalid input 'rules' \(rule 1 \(images: \[a\), line 1, field images\): "\[a"\. Expected globs/],
    [
      'keep-lines without keep-per',
      '- images: a\n  keep-lines: 2',
      `Invalid input 'rules' (rule 1 (images: a), field keep-lines): "2". Expected keep-per major or minor with keep-lines.`
    ],
    [
      'keep-per with sort date',
      '- images: a\n  keep-per: minor\n  sort: date',
      `Invalid input 'rules' (rule 1 (images: a), field keep-per): "minor". Expected keep-per none with sort: date (version lines need sort: semver).`
    ],
    ['a field twice', '- images: a\n  keep: 1\n  keep: 2', /^Invalid input 'rules' \(line 3\): .*Expected YAML: Map keys must be unique/],
    ['a map as a value', '- images: a\n  keep: {x: 1}', `Invalid input 'rules' (rule 1, line 2, field keep): "". Expected a value.`]
  ])('%s: one line naming the rule, the field and the line', (_label, yaml, message) => {
    const e = failure({ rules: yaml })
    expect(e).toBeInstanceOf(ConfigError)
    expect(e.message).not.toContain('\n')
    if (typeof message === 'string') expect(e.message).toBe(message)
    else expect(e.message).toMatch(message)
  })

  it("a rule's keep-per none drops the keep-lines it would inherit", () => {
    const cfg = parse({ 'keep-per': 'minor', 'keep-lines': '2', rules: '- images: web\n  keep-per: none' })
    expect(cfg.policy.rules?.[0]?.set).toEqual({ keepPer: 'none' })
  })

  it('age-basis last-pulled in a rule is refused with api registry, as the input is', () => {
    expect(failure({ api: 'registry', repository: '', rules: '- images: a\n  age-basis: last-pulled' }).message).toBe(
      `Invalid input 'rules' (rule 1 (images: a), field age-basis): "last-pulled". Expected pushed or created with api: registry (a plain registry does not record pulls).`
    )
  })
})

describe('keep-per, keep-lines, delete-tags, max-components', () => {
  it('reads them', () => {
    const cfg = parse({ 'keep-per': 'minor', 'keep-lines': '3', 'delete-tags': 'pr-1,pr-2', 'max-components': '38000' })
    expect(cfg.policy).toMatchObject({ keepPer: 'minor', keepLines: 3, deleteTags: ['pr-1', 'pr-2'], maxComponents: 38000 })
  })

  it.each([
    [{ 'keep-per': 'patch' }, `Invalid input 'keep-per': "patch". Expected one of none, major, minor.`],
    [{ 'keep-lines': '2' }, `Invalid input 'keep-lines': "2". Expected keep-per major or minor with it (lines are versions grouped by major or major.minor).`],
    [{ 'keep-per': 'minor', sort: 'date' }, `Invalid input 'keep-per': "minor". Expected none with sort: date (version lines need sort: semver).`],
    [{ 'max-components': '0' }, `Invalid input 'max-components': "0". Expected a whole number from 1 to 100000000.`],
    [
      { api: 'registry', repository: '', 'max-components': '10' },
      `Invalid input 'max-components': "10". Expected empty with api: registry (a component budget is a Nexus instance limit).`
    ],
    [{ 'delete-tags': '[x' }, /^Invalid input 'delete-tags': "\[x"\. Expected globs/]
  ])('%p: one line', (inputs, message) => {
    const e = failure(inputs)
    if (typeof message === 'string') expect(e.message).toBe(message)
    else expect(e.message).toMatch(message)
  })
})

describe('keep-references', () => {
  it('reads every accepted form, one per line or comma-separated, and the file (with # comments)', () => {
    const d = `sha256:${'a'.repeat(64)}`
    const file = join(mkdtempSync(join(tmpdir(), 'nil-refs-')), 'in-use.txt')
    writeFileSync(file, `# from kubectl\nnexus.example.com/repository/docker-hosted/shop/api:1.2.0\nnexus.example.com:8082/shop/web@${d}\n`)
    const cfg = parse({ 'keep-references': `shop/api:1.0.0, shop/api@${d}\nlocalhost:5000/shop/db:2.0.0@${d}`, 'keep-references-file': file })
    expect(cfg.policy.references).toEqual([
      { text: 'shop/api:1.0.0', name: 'shop/api', tag: '1.0.0' },
      { text: `shop/api@${d}`, name: 'shop/api', digest: d },
      { text: `localhost:5000/shop/db:2.0.0@${d}`, name: 'shop/db', tag: '2.0.0', digest: d },
      { text: 'nexus.example.com/repository/docker-hosted/shop/api:1.2.0', repository: 'docker-hosted', name: 'shop/api', tag: '1.2.0' },
      { text: `nexus.example.com:8082/shop/web@${d}`, name: 'shop/web', digest: d }
    ])
  })

  it.each([
    ['shop/api', 'name:tag, name@sha256:… or name:tag@sha256:…'],
    ['shop/api@sha256:abc', 'a digest of the form sha256:<64 hex digits>'],
    ['Shop/API:1', 'an image name in lower case (path parts of letters, digits, . _ -)']
  ])('%p is refused with what is accepted', (text, accepted) => {
    expect(failure({ 'keep-references': text }).message).toBe(`Invalid input 'keep-references': ${JSON.stringify(text)}. Expected ${accepted}.`)
  })
})
