import { DURATION_FORMS, humanAge, parseDuration } from '../../src/config/duration'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H
const W = 7 * D

describe('parseDuration', () => {
  it.each([
    ['45s', 45 * S],
    ['90m', 90 * M],
    ['12h', 12 * H],
    ['30d', 30 * D],
    ['2w', 2 * W],
    ['1.5h', 90 * M],
    ['0.5s', 500],
    [' 30d ', 30 * D],
    ['30 d', 30 * D],
    ['30D', 30 * D],
    ['12H', 12 * H],
    ['45S', 45 * S],
    ['2W', 2 * W],
    ['0d', 0],
    ['P30D', 30 * D],
    ['p30d', 30 * D],
    ['PT12H', 12 * H],
    ['PT90M', 90 * M],
    ['PT45S', 45 * S],
    ['PT1.5S', 1500],
    ['P1W', W],
    ['P1DT12H', 36 * H],
    ['P1W2DT3H4M5S', W + 2 * D + 3 * H + 4 * M + 5 * S]
  ])('%p is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    '',
    '30',
    '30x',
    'd',
    '-1d',
    '30dd',
    '1d12h',
    '6M', // months? minutes? refused rather than guessed
    '1y',
    'P',
    'PT',
    'P1DT',
    'P1M',
    'P1Y',
    'P1.5D',
    'T1H',
    '30 days',
    'abc'
  ])('%p is not a duration', text => {
    expect(parseDuration(text)).toBeUndefined()
  })

  it('describes the accepted forms', () => {
    expect(DURATION_FORMS).toContain("'30d'")
    expect(DURATION_FORMS).toContain('P30D')
  })
})

describe('humanAge', () => {
  it.each([
    [0, '0 minutes'],
    [-5 * D, '0 minutes'],
    [59 * S, '0 minutes'],
    [M, '1 minute'],
    [59 * M, '59 minutes'],
    [H, '1 hour'],
    [23 * H + 59 * M, '23 hours'],
    [D, '1 day'],
    [D + 23 * H, '1 day'],
    [3 * D, '3 days'],
    [400 * D, '400 days']
  ])('%i ms is %p', (ms, text) => {
    expect(humanAge(ms)).toBe(text)
  })
})
