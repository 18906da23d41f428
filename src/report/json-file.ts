// The JSON report of a streaming run: each image's part goes to a spool file as the image finishes, and
// the report is assembled at the end (its sorted keys put run-wide fields such as `failures` before
// `images`). Memory holds one image at a time; the text is exactly reportJson's.

import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { privateTempDir } from '../util/temp-dir'
import type { ImageReport, RunSummary } from '../model'
import { imageJsonParts, reportJsonFrame } from './data'

export class JsonReportSpool {
  private readonly dir: string
  private readonly path: string
  private fd: number | undefined
  private count = 0

  constructor() {
    this.dir = privateTempDir()
    this.path = join(this.dir, 'images.json')
    this.fd = openSync(this.path, 'w', 0o600)
  }

  add(image: ImageReport): void {
    const fd = this.fd
    if (fd === undefined) throw new Error('JSON report spool already closed')
    // In pieces of about 32k characters: small strings die young (see imageJsonParts).
    let batch: string[] = this.count++ === 0 ? [] : [',\n']
    let size = 0
    for (const part of imageJsonParts(image)) {
      batch.push(part)
      size += part.length
      if (size >= 32768) {
        writeSync(fd, batch.join(''))
        batch = []
        size = 0
      }
    }
    if (batch.length > 0) writeSync(fd, batch.join(''))
  }

  /** Writes the whole report to the file at `path` (created or replaced); no trailing newline. */
  writeFile(summary: RunSummary, path: string): void {
    const out = openSync(path, 'w')
    try {
      for (const chunk of this.chunks(summary)) {
        if (typeof chunk === 'string') writeSync(out, chunk)
        else writeSync(out, chunk)
      }
    } finally {
      closeSync(out)
    }
  }

  /** Writes the whole report to a stream such as stdout, each chunk flushed before the next is read. */
  async writeStream(summary: RunSummary, out: NodeJS.WritableStream): Promise<void> {
    for (const chunk of this.chunks(summary)) {
      await new Promise<void>((resolve, reject) => out.write(chunk, e => (e ? reject(e) : resolve())))
    }
  }

  /**
   * The report in order: head, the spooled images through one reused 1 MB buffer (a fresh buffer per read
   * would pile up 60 MB of garbage outside the heap for a 60 MB report), tail. Each chunk is valid only
   * until the next is asked for.
   */
  private *chunks(summary: RunSummary): Generator<string | Buffer> {
    this.close()
    const { head, tail } = reportJsonFrame(summary)
    yield this.count === 0 ? `${head}[]` : `${head}[\n`
    if (this.count > 0) {
      const from = openSync(this.path, 'r')
      const buf = Buffer.allocUnsafe(1 << 20)
      try {
        for (let n = readSync(from, buf); n > 0; n = readSync(from, buf)) yield buf.subarray(0, n)
      } finally {
        closeSync(from)
      }
      yield '\n  ]'
    }
    yield tail
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
