import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import * as cadres from './i18n'
import FindingForm from './mobile/FindingForm.vue'
import type { FindingIn } from './findings'

function mountIn(locale: 'zh-CN' | 'en', serverErrors?: Record<string, string>) {
  setLocale(locale)
  mergeDomainModules({ cadres })
  return mount(FindingForm, { props: { serverErrors }, global: { plugins: [i18n] } })
}

const errorsOf = (w: ReturnType<typeof mountIn>): string[] => w.findAll('.van-field__error-message').map((e) => e.text())

describe('the form that adds a finding to a work log', () => {
  it('says what is missing, in Chinese and in English, and sends nothing', async () => {
    const zh = mountIn('zh-CN')
    await zh.get('form').trigger('submit')
    expect(errorsOf(zh)).toEqual(['请选择问题类别', '请填写问题描述'])
    expect(zh.emitted('submit')).toBeUndefined()

    const en = mountIn('en')
    await en.get('[data-test="m-finding-text"] textarea').setValue('   ')
    await en.get('form').trigger('submit')
    expect(errorsOf(en)).toEqual(['Choose the kind of problem', 'Describe the problem'])
    expect(en.emitted('submit')).toBeUndefined()
  })

  it('sends the kind, the trimmed text and the count, and empties itself when told', async () => {
    const w = mountIn('zh-CN')
    await w.get('[data-kind="policy"]').trigger('click')
    await w.get('[data-test="m-finding-text"] textarea').setValue('  惠农补贴发放不及时 ')
    await w.get('[data-test="m-finding-issues"] .van-stepper__plus').trigger('click')
    await w.get('form').trigger('submit')
    expect(errorsOf(w)).toEqual([])
    expect(w.emitted('submit')).toEqual([[{ kind: 'policy', text: '惠农补贴发放不及时', issues: 2 } satisfies FindingIn]])
    ;(w.vm as unknown as { reset(): void }).reset()
    await w.vm.$nextTick()
    expect((w.get('[data-test="m-finding-text"] textarea').element as HTMLTextAreaElement).value).toBe('')
  })

  it("shows the server's refusal beside its field", () => {
    const w = mountIn('en', { text: 'At most 2000 characters' })
    expect(errorsOf(w)).toEqual(['At most 2000 characters'])
  })
})
