import { describe, expect, it } from 'vitest'
import { en, zhCN } from './i18n'
import {
  entityError,
  eventTypesError,
  nameError,
  rangeError,
  splitEventTypes,
  townshipCodeError,
  villageCodeError,
  webhookUrlError,
  type Invalid,
} from './validate'

const COUNTY = '230199000000'
const TOWNSHIP = '230199100000'

describe('set-up input checks', () => {
  it('a township code: twelve digits of this county, a township level', () => {
    expect(townshipCodeError('230199200000', COUNTY)).toBeNull()
    expect(townshipCodeError(' 230199200000 ', COUNTY)).toBeNull()
    expect(townshipCodeError('2301992', COUNTY)).toBe('codeDigits')
    expect(townshipCodeError('23019920000a', COUNTY)).toBe('codeDigits')
    expect(townshipCodeError('2301992000000', COUNTY)).toBe('codeDigits')
    expect(townshipCodeError('230199000000', COUNTY)).toBe('notTownship') // the county itself
    expect(townshipCodeError('230199200201', COUNTY)).toBe('notTownship') // a village
    expect(townshipCodeError('230299200000', COUNTY)).toBe('outsideCounty')
  })

  it('a village code: twelve digits under its township, a village level', () => {
    expect(villageCodeError('230199100299', TOWNSHIP)).toBeNull()
    expect(villageCodeError('23019910029', TOWNSHIP)).toBe('codeDigits')
    expect(villageCodeError('２３０１９９１００２９９', TOWNSHIP)).toBe('codeDigits') // full-width digits
    expect(villageCodeError('230199100000', TOWNSHIP)).toBe('notVillage')
    expect(villageCodeError('230199101201', TOWNSHIP)).toBe('outsideTownship')
  })

  it('a name: not blank, at most 100 characters', () => {
    expect(nameError('新发村')).toBeNull()
    expect(nameError('   ')).toBe('nameEmpty')
    expect(nameError('村'.repeat(100))).toBeNull()
    expect(nameError('村'.repeat(101))).toBe('nameLong')
  })

  it('a webhook address: absolute http or https', () => {
    expect(webhookUrlError('https://songjiang.example.org/hooks')).toBeNull()
    expect(webhookUrlError('http://127.0.0.1:8080/hook')).toBeNull()
    expect(webhookUrlError('songjiang.example.org/hooks')).toBe('urlInvalid')
    expect(webhookUrlError('ftp://example.org/x')).toBe('urlInvalid')
    expect(webhookUrlError('')).toBe('urlInvalid')
    expect(webhookUrlError(`https://example.org/${'a'.repeat(500)}`)).toBe('urlLong')
  })

  it('event types: split on spaces and commas, each a type, a prefix or *', () => {
    expect(splitEventTypes('claim.  rectification_case.accept，task.create,*')).toEqual([
      'claim.', 'rectification_case.accept', 'task.create', '*'])
    expect(eventTypesError(splitEventTypes('claim. task.create *'))).toBeNull()
    expect(eventTypesError(splitEventTypes('  '))).toBe('typesEmpty')
    expect(eventTypesError(['claim'])).toBe('typeInvalid')
    expect(eventTypesError(['Claim.submit'])).toBe('typeInvalid')
    expect(eventTypesError(Array.from({ length: 33 }, () => 'claim.'))).toBe('typesMany')
  })

  it('a time range: the start not after the end', () => {
    expect(rangeError(null)).toBeNull()
    expect(rangeError([new Date('2026-12-01'), new Date('2026-12-02')])).toBeNull()
    expect(rangeError([new Date('2026-12-02'), new Date('2026-12-01')])).toBe('rangeOrder')
  })

  it('an entity filter: empty, or lower-case letters, underscores and dots', () => {
    expect(entityError('')).toBeNull()
    expect(entityError('api_client')).toBeNull()
    expect(entityError('funds.claim')).toBeNull()
    expect(entityError('Village')).toBe('entityInvalid')
    expect(entityError('村')).toBe('entityInvalid')
    expect(entityError('a'.repeat(65))).toBe('entityInvalid')
  })

  it('every refusal has a message in both languages', () => {
    const keys: Invalid[] = ['codeDigits', 'notTownship', 'outsideCounty', 'notVillage', 'outsideTownship', 'nameEmpty',
      'nameLong', 'urlInvalid', 'urlLong', 'typesEmpty', 'typesMany', 'typeInvalid', 'rangeOrder', 'entityInvalid']
    for (const k of keys) {
      expect(zhCN.setup.invalid[k]).toMatch(/[\u4e00-\u9fff]/)
      expect(en.setup.invalid[k]).toBeTruthy()
    }
  })
})
