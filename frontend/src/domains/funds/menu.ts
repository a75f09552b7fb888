import { Coin, Document, House, Tickets, Wallet } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'funds',
    labelKey: 'funds.menu',
    icon: Wallet,
    order: 70,
    children: [
      { key: 'funds-accounts', labelKey: 'funds.accounts', icon: Coin, to: { name: 'funds' } },
      { key: 'funds-claims', labelKey: 'funds.claims', icon: Tickets, to: { name: 'funds-claims' } },
      { key: 'assets', labelKey: 'funds.assets', icon: House, to: { name: 'assets' } },
      { key: 'resources', labelKey: 'funds.resources', icon: Document, to: { name: 'resources' } },
    ],
  },
])
