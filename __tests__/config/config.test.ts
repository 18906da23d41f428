import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config, ConfigError, list, parseConfig } from '../../src/config/config'
import { INPUTS } from '../../src/config/inputs'

const REGISTRY = { host: 'https://registry.example.com', api: 'registry' }
const NEXUS = { host: 'https://nexus.example.com', repository: 'docker-hosted' }

function parse(inputs: Record<string, string>): Config {
  return parseConfig(name => inputs[name])
}

function failure(inputs: Record<string, string>): ConfigError {
  try {
    parse(inputs)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error(`expected ${JSON.stringify(inputs)} to be refused`)
}

describe('bad inputs fail with one line naming the input and what it accepts', () => {
  // [input, value, base inputs, a piece of the "Expected ..." part]
  const cases: [string, string, Record<string, string>, string][] = [
    ['keep', '-1', REGISTRY, 'a whole number from 1 to 100000'],
    ['keep', 'abc', REGISTRY, 'a whole number from 1 to 100000'],
    ['keep', '0', REGISTRY, 'a whole number from 1 to 100000'],
    ['keep', '1.5', REGISTRY, 'a whole number from 1 to 100000'],
    ['keep-other', 'x', REGISTRY, 'a whole number from 1 to 100000'],
    ['older-than', '30x', REGISTRY, "'30d'"],
    ['older-than', 'P1M', REGISTRY, 'ISO-8601'],
    ['older-than', '6M', REGISTRY, 'a number with a unit s, m, h, d or w'],
    ['older-than', '0d', REGISTRY, "'30d'"],
    ['api', 'docker', REGISTRY, 'one of nexus, registry'],
    ['sort', 'name', REGISTRY, 'one of semver, date'],
    ['age-basis', 'mtime', REGISTRY, 'one of pushed, created, last-pulled'],
    ['age-basis', 'last-pulled', REGISTRY, 'pushed or created with api: registry'],
    ['host', 'nexus.example.com', REGISTRY, 'a URL with http:// or https://'],
    ['host', 'ftp://x', REGISTRY, 'a URL with http:// or https://'],
    ['host', 'https://user:pw@x', REGISTRY, 'a URL without credentials'],
    ['host', 'ftp://user:pw@x', REGISTRY, 'a URL with http:// or https://'],
    ['host', 'user:pw@nexus.example.com', REGISTRY, 'a URL with http:// or https://'],
    ['host', 'https://nexus.example.com/?x=1', REGISTRY, 'a base URL without query or fragment'],
    ['host', '', { api: 'registry' }, 'a URL such as https://nexus.example.com (required)'],
    ['repository', '', { host: 'https://nexus.example.com' }, 'one or more Nexus Docker repository names'],
    ['repository', 'a b', NEXUS, 'Nexus repository names (letters, digits, . _ -, not starting with . or _)'],
    ['repository', '..', NEXUS, 'Nexus repository names (letters, digits, . _ -, not starting with . or _)'],
    ['registry-url', 'https://reg:5000', { ...NEXUS, repository: 'one,two' }, 'one URL for one repository'],
    ['registry-url', 'reg:5000', NEXUS, 'a URL with http:// or https://'],
    ['images', '[abc', REGISTRY, 'globs using * ** ? [abc]'],
    ['images', ',', REGISTRY, 'one or more globs (leave the input out for its default, *)'],
    ['images', '', REGISTRY, 'one or more globs (leave the input out for its default, *)'],
    ['images', ' \n ', REGISTRY, 'one or more globs'],
    ['tags', '', REGISTRY, 'one or more globs (leave the input out for its default, *)'],
    ['keep-tags', ',', REGISTRY, 'one or more globs (leave the input out for its default, latest)'],
    ['keep-tags', '', REGISTRY, 'one or more globs (leave the input out for its default, latest)'],
    ['keep-tags', ', ,', REGISTRY, 'one or more globs'],
    ['exclude-images', ',', REGISTRY, 'one or more globs'],
    ['repository', ',', { host: 'https://nexus.example.com' }, 'one or more repository names'],
    ['keep-tags', '{latest,stable', REGISTRY, "unclosed '{'"],
    ['keep-tags', 'latest,stable}', REGISTRY, "unmatched '}'"],
    ['exclude-images', 'a/[z-a]', REGISTRY, 'globs using * ** ? [abc]'],
    ['tags', '[!]', REGISTRY, 'globs using * ** ? [abc]'],
    ['keep-tags', ']x', REGISTRY, 'globs using * ** ? [abc]'],
    ['max-deletions', '0', REGISTRY, 'a whole number from 1 to 1000000'],
    ['max-deletions', '-3', REGISTRY, 'a whole number from 1 to 1000000'],
    ['concurrency', '0', REGISTRY, 'a whole number from 1 to 64'],
    ['concurrency', '65', REGISTRY, 'a whole number from 1 to 64'],
    ['concurrency', 'fast', REGISTRY, 'auto, or a whole number from 1 to 64'],
    ['max-concurrency', '0', REGISTRY, 'a whole number from 1 to 64'],
    ['dry-run', 'maybe', REGISTRY, 'true or false'],
    ['request-timeout', '0s', REGISTRY, 'at least one second'],
    ['request-timeout', '500ms', REGISTRY, 'at least one second'],
    ['request-timeout', 'abc', REGISTRY, 'at least one second'],
    ['retries', '11', REGISTRY, 'a whole number from 0 to 10'],
    ['retries', 'many', REGISTRY, 'a whole number from 0 to 10'],
    ['delete-method', 'tag', REGISTRY, 'one of component, manifest'],
    ['verify-before-delete', 'sometimes', NEXUS, 'true or false'],
    ['size-estimate', 'yes', NEXUS, 'one of auto, on, off'],
    ['report-file', '/nonexistent-dir/report.json', REGISTRY, 'a file path in an existing, writable directory'],
    ['report-file', '.', REGISTRY, 'a file path in an existing, writable directory']
  ]

  it.each(cases)('%s: %p', (input, value, base, accepted) => {
    const err = failure({ ...base, [input]: value })
    expect(err.name).toBe('ConfigError')
    expect(err.message).not.toMatch(/[\r\n]/)
    expect(err.message).toContain(`'${input}'`)
    expect(err.message).toMatch(/^Invalid input '[a-z-]+': .*\. Expected .+\.$/)
    expect(err.message).toContain(accepted)
  })

  it.each(['https://user:pw@x', 'ftp://user:pw@x', 'user:pw@nexus.example.com', 'https://user:pw@', 'https://us@er:pw@x', 'https://user:p/w@x'])(
    'never echoes a password written into host %p',
    host => {
      const err = failure({ ...REGISTRY, host })
      expect(err.message).not.toContain('pw')
      expect(err.message).not.toContain('p/w')
      expect(err.message).toContain('***@')
    }
  )

  it('shows the bad value quoted, escaped and shortened', () => {
    const err = failure({ ...REGISTRY, keep: 'a\nb' + 'x'.repeat(200) })
    expect(err.message).not.toMatch(/[\r\n]/)
    expect(err.message).toContain('"a\\nb')
    expect(err.message).toContain('..."')
    expect(err.message.length).toBeLessThan(200)
  })

  it('fails on the first bad input before making any request (no host means no config)', () => {
    expect(() => parse({})).toThrow(ConfigError)
    expect(() => parse({})).toThrow("Invalid input 'host'")
  })
})

describe('valid inputs', () => {
  it('api registry with only a host uses the defaults', () => {
    const cfg = parse({ host: 'https://registry.example.com', api: 'registry' })
    expect(cfg).toMatchObject({
      api: 'registry',
      host: 'https://registry.example.com',
      username: '',
      password: '',
      repositories: [],
      registryUrl: undefined,
      deleteMethod: 'component',
      verifyBeforeDelete: false,
      sizeEstimate: 'auto',
      dryRun: true,
      concurrency: 32,
      adaptiveStart: 8,
      requestTimeoutMs: 30_000,
      retries: 3,
      reportFile: undefined
    })
    expect(cfg.policy).toEqual({
      images: ['*'],
      excludeImages: [],
      tags: ['*'],
      keepTags: ['latest'],
      keep: 10,
      keepOther: 10,
      olderThan: undefined,
      ageBasis: 'pushed',
      sort: 'semver',
      maxDeletions: undefined,
      keepPer: 'none',
      deleteTags: [],
      keepOtherFollowsKeep: true
    })
  })

  it('concurrency: auto adapts from 8 up to max-concurrency; a number fixes it', () => {
    const at = (inputs: Record<string, string>) => parseConfig(n => ({ host: 'https://r.example.com', api: 'registry', ...inputs })[n])
    expect(at({})).toMatchObject({ concurrency: 32, adaptiveStart: 8 })
    expect(at({ concurrency: 'AUTO', 'max-concurrency': '4' })).toMatchObject({ concurrency: 4, adaptiveStart: 4 })
    expect(at({ concurrency: '12' })).toMatchObject({ concurrency: 12 })
    expect(at({ concurrency: '12' }).adaptiveStart).toBeUndefined()
  })

  it('api defaults to nexus, which needs a repository', () => {
    expect(failure({ host: 'https://nexus.example.com' }).message).toContain("'repository'")
    const cfg = parse(NEXUS)
    expect(cfg.api).toBe('nexus')
    expect(cfg.repositories).toEqual(['docker-hosted'])
  })

  it('every input the parser reads is declared in inputs.ts', () => {
    const read = new Set<string>()
    parseConfig(name => {
      read.add(name)
      return (REGISTRY as Record<string, string>)[name]
    })
    const declared = new Set(INPUTS.map(i => i.name))
    for (const name of read) expect(declared).toContain(name)
  })

  it('splits lists on commas and newlines, trimming and dropping empties', () => {
    const cfg = parse({
      ...NEXUS,
      repository: 'docker-hosted, docker-private\nthird',
      images: 'shop/*, tools/**\n\n  base ',
      'exclude-images': 'shop/legacy,',
      tags: '*',
      'keep-tags': 'latest\nstable,release-*'
    })
    expect(cfg.repositories).toEqual(['docker-hosted', 'docker-private', 'third'])
    expect(cfg.policy.images).toEqual(['shop/*', 'tools/**', 'base'])
    expect(cfg.policy.excludeImages).toEqual(['shop/legacy'])
    expect(cfg.policy.keepTags).toEqual(['latest', 'stable', 'release-*'])
    expect(list(' a ,, b\n,\nc ')).toEqual(['a', 'b', 'c'])
    expect(list('')).toEqual([])
  })

  it('a comma inside braces belongs to the glob', () => {
    expect(parse({ ...REGISTRY, 'keep-tags': '{latest,stable}' }).policy.keepTags).toEqual(['{latest,stable}'])
    expect(parse({ ...REGISTRY, 'keep-tags': 'v{1,2}.*, main' }).policy.keepTags).toEqual(['v{1,2}.*', 'main'])
    expect(list('a{b,c}d,e')).toEqual(['a{b,c}d', 'e'])
  })

  it('a list left out takes its default; one given empty is refused, never read as none or every', () => {
    const cfg = parse(REGISTRY)
    expect(cfg.policy.images).toEqual(['*'])
    expect(cfg.policy.keepTags).toEqual(['latest'])
    expect(cfg.policy.excludeImages).toEqual([])
    // an input whose default is empty may be given empty: that is its default
    expect(parse({ ...REGISTRY, 'exclude-images': '' }).policy.excludeImages).toEqual([])
    expect(() => parse({ ...REGISTRY, 'keep-tags': '' })).toThrow(ConfigError)
  })

  it('keep-other defaults to keep, and can differ', () => {
    expect(parse({ ...REGISTRY, keep: '3' }).policy).toMatchObject({ keep: 3, keepOther: 3 })
    expect(parse({ ...REGISTRY, keep: '3', 'keep-other': '1' }).policy).toMatchObject({ keep: 3, keepOther: 1 })
  })

  it.each([
    ['30d', 30 * 86_400_000],
    ['P30D', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['2w', 14 * 86_400_000],
    ['90m', 90 * 60_000],
    ['PT12H', 12 * 3_600_000],
    ['P1DT12H', 36 * 3_600_000]
  ])('older-than %s is %i ms, and keeps its text', (text, ms) => {
    expect(parse({ ...REGISTRY, 'older-than': text }).policy.olderThan).toEqual({ ms, text })
  })

  it('reads request-timeout as a duration', () => {
    expect(parse({ ...REGISTRY, 'request-timeout': '2m' }).requestTimeoutMs).toBe(120_000)
    expect(parse({ ...REGISTRY, 'request-timeout': '1s' }).requestTimeoutMs).toBe(1000)
  })

  it.each([
    ['https://nexus.example.com/', 'https://nexus.example.com'],
    ['https://nexus.example.com//', 'https://nexus.example.com'],
    ['http://nexus.example.com:8081/nexus/', 'http://nexus.example.com:8081/nexus'],
    ['  https://nexus.example.com  ', 'https://nexus.example.com']
  ])('host %p becomes %p', (host, expected) => {
    expect(parse({ ...REGISTRY, host }).host).toBe(expected)
  })

  it('registry-url is trimmed the same way', () => {
    expect(parse({ ...NEXUS, 'registry-url': 'https://nexus.example.com:5000/' }).registryUrl).toBe('https://nexus.example.com:5000')
  })

  it.each([
    ['true', true],
    ['false', false],
    ['True', true],
    ['FALSE', false],
    [' false ', false]
  ])('dry-run %p is %p', (text, value) => {
    expect(parse({ ...REGISTRY, 'dry-run': text }).dryRun).toBe(value)
  })

  it('reads verify-before-delete and size-estimate', () => {
    expect(parse({ ...NEXUS, 'verify-before-delete': 'true', 'size-estimate': 'on' })).toMatchObject({ verifyBeforeDelete: true, sizeEstimate: 'on' })
    expect(parse({ ...REGISTRY, 'size-estimate': 'off' })).toMatchObject({ verifyBeforeDelete: false, sizeEstimate: 'off' })
  })

  it('choices are case-insensitive and normalised', () => {
    const cfg = parse({ ...NEXUS, api: 'Nexus', sort: 'DATE', 'age-basis': 'Last-Pulled', 'delete-method': 'Manifest', 'size-estimate': 'OFF' })
    expect(cfg.api).toBe('nexus')
    expect(cfg.sizeEstimate).toBe('off')
    expect(cfg.policy.sort).toBe('date')
    expect(cfg.policy.ageBasis).toBe('last-pulled')
    expect(cfg.deleteMethod).toBe('manifest')
  })

  it('reads numbers at their bounds', () => {
    const cfg = parse({ ...REGISTRY, keep: '1', concurrency: '64', retries: '0', 'max-deletions': '1000000' })
    expect(cfg.policy.keep).toBe(1)
    expect(cfg.concurrency).toBe(64)
    expect(cfg.retries).toBe(0)
    expect(cfg.policy.maxDeletions).toBe(1_000_000)
  })

  it('passes username, password (untrimmed) and report-file through', () => {
    const reportFile = join(tmpdir(), 'report.json')
    const cfg = parse({ ...REGISTRY, username: ' ci ', password: ' p@ss ', 'report-file': reportFile })
    expect(cfg.username).toBe('ci')
    expect(cfg.password).toBe(' p@ss ')
    expect(cfg.reportFile).toBe(reportFile)
  })
})
