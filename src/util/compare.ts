// One string order for sorting digests, tags and names: by UTF-16 code unit, the same on every machine
// (localeCompare depends on the runtime's locale data).
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
