import { helpText, main, parseArgs, UsageError } from '../../src/cli/cli'
import { parseConfig } from '../../src/config/config'
import { INPUTS } from '../../src/config/inputs'
import { version } from '../../package.json'

describe('parseArgs', () => {
  it('maps flags to inputs of the same name', () => {
    const args = parseArgs(['--host', 'https://nexus.example.com', '--repository', 'docker-hosted', '--keep', '5', '--older-than', '30d'])
    expect(args.inputs).toEqual({ host: 'https://nexus.example.com', repository: 'docker-hosted', keep: '5', 'older-than': '30d' })
    expect(args).toMatchObject({ passwordStdin: false, json: false, verbose: false, help: false, version: false })
    expect(args.passwordEnv).toBeUndefined()
  })

  it('accepts every input except password as a flag; true/false ones with and without a value', () => {
    for (const input of INPUTS) {
      if (input.name === 'password') continue
      if (input.boolean) {
        expect(parseArgs([`--${input.name}`]).inputs).toEqual({ [input.name]: 'true' })
        expect(parseArgs([`--${input.name}=false`]).inputs).toEqual({ [input.name]: 'false' })
        expect(parseArgs([`--${input.name}`, 'FALSE']).inputs).toEqual({ [input.name]: 'false' })
        expect(parseArgs([`--no-${input.name}`]).inputs).toEqual({ [input.name]: 'false' })
        expect(() => parseArgs([`--${input.name}=yes`])).toThrow(new UsageError(`--${input.name} accepts true or false (got "yes")`))
      } else {
        expect(parseArgs([`--${input.name}`, 'v']).inputs).toEqual({ [input.name]: 'v' })
      }
    }
  })

  it('the switches take a value or none as well', () => {
    expect(parseArgs(['--json=false', '--verbose', 'true'])).toMatchObject({ json: false, verbose: true })
    expect(parseArgs(['--no-json']).json).toBe(false)
    expect(() => parseArgs(['--no-host'])).toThrow('unknown option --no-host (see --help)')
    expect(() => parseArgs(['--no-dry-run=true'])).toThrow('--no-dry-run takes no value')
  })

  it('reads the --x=y form, keeping later = signs in the value', () => {
    expect(parseArgs(['--api=registry', '--tags=a=b', '--keep-tags=']).inputs).toEqual({ api: 'registry', tags: 'a=b', 'keep-tags': '' })
  })

  it('accumulates repeated list flags as lines', () => {
    const args = parseArgs(['--images', 'shop/*', '--images=tools/**', '--exclude-images', 'shop/legacy'])
    expect(args.inputs.images).toBe('shop/*\ntools/**')
    const cfg = parseConfig(n => ({ ...args.inputs, host: 'https://r.example.com', api: 'registry' })[n])
    expect(cfg.policy.images).toEqual(['shop/*', 'tools/**'])
    expect(cfg.policy.excludeImages).toEqual(['shop/legacy'])
  })

  it('--delete, --no-dry-run and --dry-run=false all mean a real run; --dry-run a dry run', () => {
    expect(parseArgs(['--delete']).inputs['dry-run']).toBe('false')
    expect(parseArgs(['--no-dry-run']).inputs['dry-run']).toBe('false')
    expect(parseArgs(['--dry-run=false']).inputs['dry-run']).toBe('false')
    expect(parseArgs(['--dry-run', 'false']).inputs['dry-run']).toBe('false')
    expect(parseArgs(['--dry-run']).inputs['dry-run']).toBe('true')
    expect(parseArgs(['--delete', '--dry-run=false']).inputs['dry-run']).toBe('false')
  })

  it.each([
    [['--delete', '--dry-run'], '--dry-run conflicts with --delete: give one of them'],
    [['--dry-run', '--delete'], '--delete conflicts with --dry-run: give one of them'],
    [['--dry-run=true', '--no-dry-run'], '--no-dry-run conflicts with --dry-run=true: give one of them'],
    [['--keep', '3', '--keep=5'], '--keep=5 conflicts with --keep: give one of them'],
    [['--run-cleanup-tasks', '--run-cleanup-tasks=false'], '--run-cleanup-tasks=false conflicts with --run-cleanup-tasks: give one of them']
  ])('conflicting flags %p are an error, not last-one-wins', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message))
  })

  it('the same flag twice with the same value is fine', () => {
    expect(parseArgs(['--keep', '3', '--keep=3']).inputs['keep']).toBe('3')
  })

  it('reads the switches', () => {
    expect(parseArgs(['--password-stdin', '--json', '-v'])).toMatchObject({ passwordStdin: true, json: true, verbose: true })
    expect(parseArgs(['--verbose']).verbose).toBe(true)
    expect(parseArgs(['--password-env', 'NEXUS_PASSWORD']).passwordEnv).toBe('NEXUS_PASSWORD')
    expect(parseArgs(['--password-env=NEXUS_PASSWORD']).passwordEnv).toBe('NEXUS_PASSWORD')
    expect(parseArgs(['-h']).help).toBe(true)
    expect(parseArgs(['--help']).help).toBe(true)
    expect(parseArgs(['--version']).version).toBe(true)
  })

  it.each([['--password', 'hunter2'], ['--password=hunter2']])('refuses %s: it would show in the process list', (...argv) => {
    let err: Error | undefined
    try {
      parseArgs(argv)
    } catch (e) {
      err = e as Error
    }
    expect(err).toBeInstanceOf(UsageError)
    expect(err?.message).toMatch(/process list/)
    expect(err?.message).toMatch(/--password-stdin/)
    expect(err?.message).toMatch(/--password-env/)
    expect(err?.message).not.toContain('hunter2')
  })

  it.each([['--nope'], ['--nope=1'], ['stray'], ['-x']])('refuses the unknown option %p', arg => {
    const flag = arg.split('=')[0]
    expect(() => parseArgs([arg])).toThrow(UsageError)
    expect(() => parseArgs([arg])).toThrow(`unknown option ${flag} (see --help)`)
  })

  it.each([
    ['--dry_run', '--dry-run'],
    ['--kep', '--keep'],
    ['--older-then', '--older-than']
  ])('refuses %p naming the closest flag, %p', (arg, near) => {
    expect(() => parseArgs([arg])).toThrow(`unknown option ${arg} (did you mean ${near}?)`)
  })

  it('refuses a flag without its value', () => {
    expect(() => parseArgs(['--host'])).toThrow(new UsageError('--host needs a value'))
    expect(() => parseArgs(['--password-env'])).toThrow('--password-env needs a value')
    expect(() => parseArgs(['--host', '--keep', '3'])).toThrow(
      '--host needs a value (got the option --keep; write --host=VALUE for a value that starts with -)'
    )
    expect(parseArgs(['--tags=-rc']).inputs['tags']).toBe('-rc')
  })
})

describe('main', () => {
  let out: string
  let err: string
  let outSpy: jest.SpyInstance
  let errSpy: jest.SpyInstance

  beforeEach(() => {
    out = ''
    err = ''
    outSpy = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      out += String(chunk)
      return true
    })
    errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
      err += String(chunk)
      return true
    })
  })

  afterEach(() => {
    outSpy.mockRestore()
    errSpy.mockRestore()
  })

  it('--help exits 0 and lists every input', async () => {
    expect(await main(['--help'])).toBe(0)
    expect(err).toBe('')
    expect(out).toBe(helpText(version) + '\n')
    for (const input of INPUTS) {
      if (input.name === 'password') {
        expect(out).toContain('--password-stdin')
        expect(out).toContain('--password-env VAR')
      } else if (input.boolean) {
        expect(out).toMatch(new RegExp(`^  --${input.name} `, 'm'))
      } else {
        expect(out).toContain(`--${input.name} VALUE`)
      }
    }
    expect(out).toContain('--delete')
    expect(out).toContain(version)
    expect(out).toMatch(/Exit status: 0 done, 1 .*, 2 bad usage/)
  })

  it('--help fits the width it is given, descriptions aligned in one column', () => {
    for (const width of [60, 80, 120]) {
      const options = helpText(version, width)
        .split('\n')
        .filter(l => l.startsWith('  '))
      expect(options.length).toBeGreaterThan(INPUTS.length)
      // a line may pass the width only where one word alone is longer than the column
      for (const l of options) if (l.length > width) expect(l.trim().split(/\s+/).length).toBeLessThanOrEqual(2)
      // where each description starts: after the flag on a flag's line, the indent on a continuation line
      const starts = options.map(l => (l.startsWith('  -') ? (/^ {2}\S+(?: \S+)*? {2,}/.exec(l)?.[0].length ?? -1) : l.search(/\S/)))
      expect(new Set(starts).size).toBe(1)
    }
  })

  it('--help wins over bad inputs', async () => {
    expect(await main(['--keep', 'abc', '-h'])).toBe(0)
  })

  it('--version prints the package version', async () => {
    expect(await main(['--version'])).toBe(0)
    expect(out).toBe(`${version}\n`)
    expect(err).toBe('')
  })

  it.each([
    [['--host', 'https://r.example.com', '--api', 'registry', '--keep', 'abc'], "'keep'"],
    [['--host', 'https://r.example.com', '--api', 'registry', '--older-than', 'P1M'], "'older-than'"],
    [['--host', 'https://r.example.com', '--api', 'registry', '--images', 'a', '--images', '[b'], "'images'"],
    [['--api', 'registry'], "'host'"],
    [['--host', 'https://nexus.example.com'], "'repository'"]
  ])('bad input %p exits 2 with one error line on stderr', async (argv, named) => {
    expect(await main(argv)).toBe(2)
    expect(out).toBe('')
    expect(err).toMatch(/^error: Invalid input '[a-z-]+': .*\n$/)
    expect(err.trimEnd()).not.toContain('\n')
    expect(err).toContain(named)
  })

  it('a usage error exits 2 with one line', async () => {
    expect(await main(['--frobnicate'])).toBe(2)
    expect(err).toBe('error: unknown option --frobnicate (see --help)\n')
    expect(out).toBe('')
  })

  it('--password exits 2 without echoing the password', async () => {
    expect(await main(['--host', 'https://r.example.com', '--password', 's3cr3t-value'])).toBe(2)
    expect(err).toMatch(/process list/)
    expect(err).not.toContain('s3cr3t-value')
  })

  it('--password-env with an unset variable exits 2', async () => {
    const name = 'NIL_TEST_SURELY_UNSET_PASSWORD'
    delete process.env[name]
    expect(await main(['--host', 'https://r.example.com', '--api', 'registry', '--password-env', name])).toBe(2)
    expect(err).toBe(`error: --password-env ${name}: the variable is empty or unset\n`)
    expect(out).toBe('')
  })

  it('--password-env with an empty variable exits 2', async () => {
    const name = 'NIL_TEST_EMPTY_PASSWORD'
    process.env[name] = ''
    try {
      expect(await main(['--host', 'https://r.example.com', '--api', 'registry', '--password-env', name])).toBe(2)
      expect(err).toContain(name)
    } finally {
      delete process.env[name]
    }
  })

  it('a bad input after --password-env never prints the password', async () => {
    const name = 'NIL_TEST_SET_PASSWORD'
    process.env[name] = 'env-secret-123'
    try {
      expect(await main(['--host', 'https://r.example.com', '--api', 'registry', '--password-env', name, '--concurrency', '0'])).toBe(2)
      expect(err).toContain("'concurrency'")
      expect(err).not.toContain('env-secret-123')
    } finally {
      delete process.env[name]
    }
  })
})
