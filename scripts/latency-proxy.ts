// A runner far from its registry: the tests' fault proxy (test/support/fault-proxy.ts, which forwards and
// keeps Location and Link headers behind it) holding every request for `latencyMs` before forwarding it.
import { sleep } from '../src/util/sleep'
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy'

export async function startLatencyProxy(target: string, latencyMs: number): Promise<FaultProxy> {
  const proxy = await startFaultProxy(target)
  if (latencyMs > 0) proxy.setRules([{ path: /^/, fault: { kind: 'hook', run: () => sleep(latencyMs) } }])
  return proxy
}
