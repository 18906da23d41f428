// GET and parse JSON through the client under test: the tests of the HTTP edge use it as a plain caller.
import type { OutgoingHttpHeaders } from 'node:http'
import { Http, HttpError, type HttpResponse } from '../../src/http/http'

export async function getJson<T>(http: Http, url: string, kind: string, headers?: OutgoingHttpHeaders): Promise<{ json: T; res: HttpResponse }> {
  const res = await http.request('GET', url, { kind, headers: { accept: 'application/json', ...headers } })
  try {
    return { json: JSON.parse(res.body.toString('utf8')) as T, res }
  } catch {
    throw new HttpError('GET', url, res.status, 'the body is not JSON')
  }
}
