// The container image as far as a machine without a Docker engine can check it: the Dockerfile passes the
// linter (dockerfile-utils, what `npm run lint:dockerfile` runs), is multi-stage on a Node base pinned by
// version and digest, runs as a non-root user with the bundled CLI as its entrypoint, carries OCI labels,
// and that entrypoint (the file the image copies) runs on this Node. The GitHub workflow builds the image
// and runs it (.github/workflows/ci.yml, job image).

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

it('passes the linter', () => {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'dockerfile-utils'), ['lint', 'Dockerfile'], { cwd: ROOT, encoding: 'utf8' })
  expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: '' })
})

it('the linter fails a broken Dockerfile (so the check above can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nil-dockerfile-'))
  writeFileSync(join(dir, 'Dockerfile'), 'RUN true\n')
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'dockerfile-utils'), ['lint', join(dir, 'Dockerfile')], { encoding: 'utf8' })
  expect(r.status).not.toBe(0)
  expect(r.stdout + r.stderr).toContain('FROM')
})

it('is multi-stage on a Node base pinned by version and digest', () => {
  const base = /^ARG NODE_IMAGE=(node:(\d+)\.\d+\.\d+-\S+@sha256:[0-9a-f]{64})$/m.exec(dockerfile)
  expect(base).not.toBeNull()
  expect(Number(base?.[2])).toBeGreaterThanOrEqual(20)
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map(m => m[1])
  expect(froms).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}'])
  expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m)
  expect(dockerfile).toMatch(/COPY --from=build \/src\/dist\/cli\/index\.js/)
})

it('runs as a non-root user, the CLI as entrypoint, with OCI labels', () => {
  const user = /^USER (\S+)$/m.exec(dockerfile)?.[1]
  expect(user).toBeDefined()
  expect(['root', '0']).not.toContain(user)
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/index\.js"\]$/m)
  for (const label of ['title', 'description', 'source', 'licenses', 'version']) expect(dockerfile).toContain(`org.opencontainers.image.${label}=`)
})

it("the entrypoint's file runs on this Node: --version", () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'cli', 'index.js'), '--version'], { encoding: 'utf8' })
  expect(out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
})
