/**
 * The asset and resource registries share one list and one detail screen; what differs (paths,
 * columns, the form of each workflow step) is described here.
 */
import { ASSET_ACTIONS, ASSET_KINDS, DISPOSAL_METHODS, RESOURCE_ACTIONS, RESOURCE_KINDS } from './types'

export type RegistryKind = 'asset' | 'resource'

export interface FieldSpec {
  key: string
  /** i18n key under funds.registry */
  label: string
  type: 'money' | 'text' | 'textarea' | 'date' | 'number' | 'area' | 'select'
  required?: boolean
  /** select: values and the i18n prefix of their labels */
  options?: readonly string[]
  optionPrefix?: string
}

export interface RegistrySpec {
  path: '/api/v1/assets' | '/api/v1/resources'
  titleKey: string
  flowKey: string
  detailRoute: 'asset' | 'resource'
  idParam: 'assetId' | 'resourceId'
  statusPrefix: string
  kindPrefix: string
  actionPrefix: string
  /** every workflow step (which of them the caller may take comes from the API's allowed_actions) */
  actions: readonly string[]
  /** the registration form */
  register: FieldSpec[]
  /** each workflow step's form */
  steps: Record<string, FieldSpec[]>
  /** shown on the detail page, when set */
  facts: FieldSpec[]
}

const note: FieldSpec = { key: 'note', label: 'note', type: 'textarea' }
const reason: FieldSpec = { key: 'reason', label: 'reason', type: 'textarea', required: true }

export const REGISTRIES: Record<RegistryKind, RegistrySpec> = {
  asset: {
    path: '/api/v1/assets',
    titleKey: 'funds.assets',
    flowKey: 'funds.registry.assetFlow',
    detailRoute: 'asset',
    idParam: 'assetId',
    statusPrefix: 'funds.registry.assetStatuses',
    kindPrefix: 'funds.registry.assetKinds',
    actionPrefix: 'funds.registry.assetActions',
    actions: ASSET_ACTIONS,
    register: [
      { key: 'name', label: 'name', type: 'text', required: true },
      { key: 'kind', label: 'kind', type: 'select', required: true, options: ASSET_KINDS, optionPrefix: 'funds.registry.assetKinds' },
      { key: 'location', label: 'location', type: 'text' },
      { key: 'acquired_on', label: 'acquiredOn', type: 'date' },
      { key: 'book_value', label: 'bookValue', type: 'money', required: true },
    ],
    steps: {
      value: [
        { key: 'amount', label: 'valuation', type: 'money', required: true },
        { key: 'appraiser', label: 'appraiser', type: 'text', required: true },
        note,
      ],
      approve: [note],
      return: [reason],
      dispose: [
        {
          key: 'method',
          label: 'method',
          type: 'select',
          required: true,
          options: DISPOSAL_METHODS,
          optionPrefix: 'funds.registry.methods',
        },
        { key: 'proceeds', label: 'proceeds', type: 'money' },
        { key: 'counterparty', label: 'counterparty', type: 'text' },
        note,
      ],
    },
    facts: [
      { key: 'location', label: 'location', type: 'text' },
      { key: 'acquired_on', label: 'acquiredOn', type: 'date' },
      { key: 'book_value', label: 'bookValue', type: 'money' },
      { key: 'valuation', label: 'valuation', type: 'money' },
      { key: 'appraiser', label: 'appraiser', type: 'text' },
      { key: 'disposal_method', label: 'method', type: 'select', optionPrefix: 'funds.registry.methods' },
      { key: 'disposal_proceeds', label: 'proceeds', type: 'money' },
      { key: 'counterparty', label: 'counterparty', type: 'text' },
      { key: 'disposed_on', label: 'disposedOn', type: 'date' },
    ],
  },
  resource: {
    path: '/api/v1/resources',
    titleKey: 'funds.resources',
    flowKey: 'funds.registry.resourceFlow',
    detailRoute: 'resource',
    idParam: 'resourceId',
    statusPrefix: 'funds.registry.resourceStatuses',
    kindPrefix: 'funds.registry.resourceKinds',
    actionPrefix: 'funds.registry.resourceActions',
    actions: RESOURCE_ACTIONS,
    register: [
      { key: 'name', label: 'name', type: 'text', required: true },
      {
        key: 'kind',
        label: 'kind',
        type: 'select',
        required: true,
        options: RESOURCE_KINDS,
        optionPrefix: 'funds.registry.resourceKinds',
      },
      { key: 'area', label: 'area', type: 'area', required: true },
      { key: 'location', label: 'location', type: 'text' },
    ],
    steps: {
      survey: [
        { key: 'surveyed_area', label: 'surveyedArea', type: 'area', required: true },
        { key: 'boundaries', label: 'boundaries', type: 'textarea', required: true },
        note,
      ],
      value: [
        { key: 'reserve_rent', label: 'reserveRent', type: 'money', required: true },
        { key: 'appraiser', label: 'appraiser', type: 'text', required: true },
        note,
      ],
      approve: [note],
      return: [reason],
      open_tender: [
        { key: 'notice', label: 'notice', type: 'textarea', required: true },
        { key: 'closes_on', label: 'closesOn', type: 'date', required: true },
      ],
      tender_failed: [reason],
      record_letting: [
        { key: 'tenant', label: 'tenant', type: 'text', required: true },
        { key: 'annual_rent', label: 'annualRent', type: 'money', required: true },
        { key: 'bids', label: 'bids', type: 'number', required: true },
        { key: 'term_start', label: 'termStart', type: 'date', required: true },
        { key: 'term_end', label: 'termEnd', type: 'date', required: true },
        note,
      ],
      end_letting: [note],
    },
    facts: [
      { key: 'area', label: 'area', type: 'area' },
      { key: 'location', label: 'location', type: 'text' },
      { key: 'surveyed_area', label: 'surveyedArea', type: 'area' },
      { key: 'boundaries', label: 'boundaries', type: 'text' },
      { key: 'reserve_rent', label: 'reserveRent', type: 'money' },
      { key: 'appraiser', label: 'appraiser', type: 'text' },
      { key: 'tender_notice', label: 'notice', type: 'text' },
      { key: 'tender_closes_on', label: 'closesOn', type: 'date' },
      { key: 'tenant', label: 'tenant', type: 'text' },
      { key: 'annual_rent', label: 'annualRent', type: 'money' },
      { key: 'bids', label: 'bids', type: 'number' },
      { key: 'term_start', label: 'termStart', type: 'date' },
      { key: 'term_end', label: 'termEnd', type: 'date' },
    ],
  },
}

const AREA = /^\d{1,10}(?:\.\d{1,2})?$/

/** The JSON body of a form, or the keys of the fields that are missing or malformed. */
export function formBody(
  fields: FieldSpec[],
  values: Record<string, string>,
  amountOk: (v: string) => string | null,
): { body: Record<string, string | number>; bad: string[] } {
  const body: Record<string, string | number> = {}
  const bad: string[] = []
  for (const f of fields) {
    const raw = (values[f.key] ?? '').trim()
    if (!raw) {
      if (f.required) bad.push(f.key)
      continue
    }
    if (f.type === 'money') {
      const ok = amountOk(raw)
      if (ok === null) bad.push(f.key)
      else body[f.key] = ok
    } else if (f.type === 'area') {
      if (!AREA.test(raw) || !/[1-9]/.test(raw)) bad.push(f.key)
      else body[f.key] = raw
    } else if (f.type === 'number') {
      const n = Number.parseInt(raw, 10)
      if (!/^\d+$/.test(raw) || n < 1) bad.push(f.key)
      else body[f.key] = n
    } else body[f.key] = raw
  }
  return { body, bad }
}
