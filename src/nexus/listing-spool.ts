// The components listing of a repository, kept on disk while the run goes image by image. Nexus lists a
// repository's components in id order, every image mixed with every other, so the whole listing has to
// be read before the first image can be planned; holding it in memory costs about 0.5 KB per tag (50 MB at
// 100k tags). Here each component is one JSON line in a private temporary file, and memory holds only
// where each image's lines are (two numbers per tag).

import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { privateTempDir } from '../util/temp-dir'

export class ListingSpool<T> {
  private dir: string | undefined
  private fd: number | undefined
  private size = 0
  /** `${repository}\0${image}` -> [offset, length, offset, length, ...] of its lines. */
  private readonly where = new Map<string, number[]>()

  add(repository: string, image: string, item: T): void {
    const fd = this.open()
    const line = Buffer.from(JSON.stringify(item) + '\n')
    writeSync(fd, line, 0, line.length, this.size)
    const key = `${repository}\u0000${image}`
    const spans = this.where.get(key) ?? []
    spans.push(this.size, line.length)
    this.where.set(key, spans)
    this.size += line.length
  }

  /** Image names listed in `repository`, sorted. */
  images(repository: string): string[] {
    const prefix = `${repository}\u0000`
    return [...this.where.keys()]
      .filter(k => k.startsWith(prefix))
      .map(k => k.slice(prefix.length))
      .sort()
  }

  /** The items of one image, in listing order. */
  read(repository: string, image: string): T[] {
    const spans = this.where.get(`${repository}\u0000${image}`)
    if (!spans || this.fd === undefined) return []
    const out: T[] = []
    let buf = Buffer.alloc(0)
    for (let i = 0; i < spans.length; i += 2) {
      const offset = spans[i] as number
      const length = spans[i + 1] as number // spans come in pairs
      if (buf.length < length) buf = Buffer.alloc(Math.max(length, 4096))
      readSync(this.fd, buf, 0, length, offset)
      out.push(JSON.parse(buf.toString('utf8', 0, length)) as T)
    }
    return out
  }

  /** Deletes the file; the spool is empty afterwards. Safe to call more than once. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true })
    this.fd = undefined
    this.dir = undefined
    this.where.clear()
    this.size = 0
  }

  private open(): number {
    if (this.fd === undefined) {
      this.dir = privateTempDir()
      this.fd = openSync(join(this.dir, 'components.jsonl'), 'w+', 0o600)
    }
    return this.fd
  }
}
