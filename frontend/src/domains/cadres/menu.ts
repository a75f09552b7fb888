import { Calendar, Connection, DataAnalysis, Postcard, SetUp, UserFilled, Warning } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'cadres',
    labelKey: 'cadres.desk.menu',
    icon: UserFilled,
    order: 40,
    children: [
      { key: 'cadres-list', labelKey: 'cadres.desk.list', icon: Postcard, to: { name: 'cadres' } },
      { key: 'cadre-attendance', labelKey: 'cadres.desk.attendance', icon: Calendar, to: { name: 'cadre-attendance' } },
      { key: 'cadre-fieldwork-report', labelKey: 'cadres.desk.fieldworkReport', icon: DataAnalysis, to: { name: 'cadre-fieldwork-report' } },
      { key: 'cadre-flagged-checkins', labelKey: 'cadres.desk.flaggedCheckins', icon: Warning, to: { name: 'cadre-flagged-checkins' } },
      { key: 'cadre-proposals', labelKey: 'cadres.desk.proposals', icon: Connection, to: { name: 'cadre-proposals' } },
      { key: 'cadre-settings', labelKey: 'cadres.desk.settings', icon: SetUp, to: { name: 'cadre-settings' } },
    ],
  },
])
