/** Shapes of the dashboards API, derived from the generated contract. */
import type { ResponseBody } from '@/api/types'

export type RectificationPanel = ResponseBody<'/api/v1/dashboards/rectification', 'get'>
export type PairingPanel = ResponseBody<'/api/v1/dashboards/pairing', 'get'>
export type CadrePanel = ResponseBody<'/api/v1/dashboards/cadres', 'get'>
export type TaskPanel = ResponseBody<'/api/v1/dashboards/tasks', 'get'>
export type FundsPanel = ResponseBody<'/api/v1/dashboards/funds', 'get'>
export type DisclosurePanel = ResponseBody<'/api/v1/dashboards/disclosures', 'get'>
export type DisciplinePanel = ResponseBody<'/api/v1/dashboards/discipline', 'get'>
export type TodoList = ResponseBody<'/api/v1/dashboards/todo', 'get'>
export type PanelName = 'rectification' | 'pairing' | 'cadres' | 'tasks' | 'funds' | 'disclosures' | 'discipline'

export interface Panels {
  rectification: RectificationPanel
  pairing: PairingPanel
  cadres: CadrePanel
  tasks: TaskPanel
  funds: FundsPanel
  disclosures: DisclosurePanel
  discipline: DisciplinePanel
}
