// One Policy builder for the planner's and the date reader's tests: the inputs' neutral form, each test
// setting what it is about.
import type { Policy } from '../../src/model'

export function testPolicy(over: Partial<Policy> = {}): Policy {
  return {
    images: ['**'],
    excludeImages: [],
    tags: ['*'],
    keepTags: [],
    keep: 3,
    keepOther: 3,
    ageBasis: 'pushed',
    sort: 'semver',
    keepPer: 'none',
    deleteTags: [],
    ...over
  }
}
