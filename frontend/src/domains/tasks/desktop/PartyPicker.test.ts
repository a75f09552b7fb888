import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus, { ElOption, ElSelect } from 'element-plus'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import * as tasks from '../i18n'
import PartyPicker from './PartyPicker.vue'

type Page = { items: { code: string; name: string; township_name: string }[] }
const answers: { q: string | undefined; resolve: (p: Page) => void }[] = []

vi.mock('@/api/client', async (original) => ({
  ...(await original<typeof import('@/api/client')>()),
  api: {
    GET: (_path: string, init: { params: { query: { q?: string } } }) =>
      new Promise<Page>((resolve) => answers.push({ q: init.params.query.q, resolve })),
  },
  unwrap: (p: Promise<Page>) => p,
}))

afterEach(() => {
  answers.length = 0
})

const village = (name: string) => ({ code: `2301021010${name.length}0`, name, township_name: '松江镇' })

describe('the village picker of a task form', () => {
  it('keeps the options of the latest search when an earlier one answers after it', async () => {
    setLocale('zh-CN')
    mergeDomainModules({ tasks })
    const wrapper = mount(PartyPickerHost(), { global: { plugins: [i18n, ElementPlus] } })
    expect(answers.map((a) => a.q)).toEqual([undefined]) // the list shown before anything is typed
    const remote = wrapper.findComponent(ElSelect).props('remoteMethod') as (q: string) => Promise<void>
    void remote('永平')
    expect(answers.map((a) => a.q)).toEqual([undefined, '永平'])
    answers[1]!.resolve({ items: [village('永平村')] })
    await flushPromises()
    answers[0]!.resolve({ items: [village('永平村'), village('松峰村'), village('太平河村')] })
    await flushPromises()
    expect(wrapper.findAllComponents(ElOption).map((o) => o.props('label'))).toEqual(['松江镇 · 永平村'])
  })
})

function PartyPickerHost() {
  return defineComponent({
    setup() {
      const code = ref<string | number | null>(null)
      return () => h(PartyPicker, { kind: 'village', test: 'picker', modelValue: code.value,
        'onUpdate:modelValue': (v: string | number | null) => (code.value = v) })
    },
  })
}
