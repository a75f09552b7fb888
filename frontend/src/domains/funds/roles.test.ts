import { describe, expect, it } from 'vitest'
import { actionsFor, CLAIM_ACTION_ROLES, RESOURCE_ACTION_ROLES } from './roles'

describe('who takes which step', () => {
  it('gives each role only its own claim actions', () => {
    const allowed = ['pay', 'reject', 'withdraw'] as const
    expect(actionsFor(CLAIM_ACTION_ROLES, [...allowed], 'township_agency')).toEqual(['pay', 'reject'])
    expect(actionsFor(CLAIM_ACTION_ROLES, [...allowed], 'village_committee')).toEqual(['withdraw'])
    expect(actionsFor(CLAIM_ACTION_ROLES, [...allowed], 'discipline_inspector')).toEqual([])
    expect(actionsFor(CLAIM_ACTION_ROLES, ['sign', 'reject'], 'supervision_committee')).toEqual(['sign', 'reject'])
    expect(actionsFor(CLAIM_ACTION_ROLES, ['sign'], null)).toEqual([])
  })

  it('lets only the township approve a letting', () => {
    expect(actionsFor(RESOURCE_ACTION_ROLES, ['approve', 'return'], 'village_committee')).toEqual([])
    expect(actionsFor(RESOURCE_ACTION_ROLES, ['approve', 'return'], 'township_official')).toEqual(['approve', 'return'])
  })
})
