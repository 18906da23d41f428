// The JSON report of a streaming run: each image's part goes to a spool file as the image finishes, and
// the report is assembled at the end (its sorted keys put run-wide fields such as `failures` before
// `images`). Memory holds one image at a time; the text is exactly reportJson's.

import { once } from 'node:events'
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ImageReport, RunSummary } from '../model'
import { imageJson, reportJsonFrame } from './data'

export class JsonReportSpool {
  private readonly dir: string
  private readonly path: string
  private fd: number | undefined
  private count = 0

  constructor() {
    this.dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'nexus-image-lifecycle-'))
    this.path = join(this.dir, 'images.json')
    this.fd = openSync(this.path, 'w', 0o600)
  }

  add(image: ImageReport): void {
    if (this.fd === undefined) throw new Error('JSON report spool already closed')
    writeSync(this.fd, (this.count++ === 0 ? '' : ',\n') + imageJson(image))
  }

  /** Writes the whole report to the file at `path` (created or replaced); no trailing newline. */
  writeFile(summary: RunSummary, path: string): void {
    this.close()
    const { head, tail } = reportJsonFrame(summary)
    const out = openSync(path, 'w')
    try {
      writeSync(out, this.count === 0 ? `${head}[]` : `${head}[\n`)
      if (this.count > 0) {
        const from = openSync(this.path, 'r')
        const buf = Buffer.alloc(1 << 20)
        try {
          for (let n = readSync(from, buf); n > 0; n = readSync(from, buf)) writeSync(out, buf, 0, n)
        } finally {
          closeSync(from)
        }
        writeSync(out, '\n  ]')
      }
      writeSync(out, tail)
    } finally {
      closeSync(out)
    }
  }

  /** Writes the whole report to a stream such as stdout, waiting whenever it is full. */
  async writeStream(summary: RunSummary, out: NodeJS.WritableStream): Promise<void> {
    this.close()
    const { head, tail } = reportJsonFrame(summary)
    const write = async (chunk: string | Buffer): Promise<void> => {
      if (!out.write(chunk)) await once(out, 'drain')
    }
    await write(this.count === 0 ? `${head}[]` : `${head}[\n`)
    if (this.count > 0) {
      for await (const chunk of createReadStream(this.path)) await write(chunk as Buffer)
      await write('\n  ]')
    }
    await write(tail)
  }

  /** Removes the spool file; safe to call more than once. */
  dispose(): void {
    this.close()
    rmSync(this.dir, { recursive: true, force: true })
  }

  private close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}
