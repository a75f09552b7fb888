import { Connection, Link, OfficeBuilding, SetUp } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'pairing',
    labelKey: 'partners.menu',
    icon: Connection,
    order: 30,
    children: [
      { key: 'pairing-proposals', labelKey: 'partners.proposals', icon: Connection, to: { name: 'pairing-proposals' } },
      { key: 'pairings', labelKey: 'partners.pairings', icon: Link, to: { name: 'pairings' } },
      { key: 'partner-units', labelKey: 'partners.units', icon: OfficeBuilding, to: { name: 'partner-units' } },
      { key: 'pairing-settings', labelKey: 'partners.settings', icon: SetUp, to: { name: 'pairing-settings' } },
    ],
  },
])
