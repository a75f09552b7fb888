import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import * as cadres from './i18n'
import PhotoPicker, { type PickedPhoto } from './mobile/PhotoPicker.vue'

afterEach(() => vi.restoreAllMocks())

function picked(n: number): PickedPhoto[] {
  return Array.from({ length: n }, (_, i) => ({ blob: new Blob([`p${i}`]), url: `blob:photo-${i}` }))
}

function mountWith(entry: 'checkins' | 'logs', photos: PickedPhoto[]) {
  setLocale('en')
  mergeDomainModules({ cadres })
  const wrapper = mount(PhotoPicker, {
    props: {
      entry,
      test: entry === 'checkins' ? 'm-checkin' : 'm-log',
      modelValue: photos,
      'onUpdate:modelValue': (v: PickedPhoto[]) => wrapper.setProps({ modelValue: v }),
    },
    global: { plugins: [i18n] },
  })
  return wrapper
}

describe('the photo picker of a check-in or a work log', () => {
  it("shows the server's count limit for the entry and refuses a photo past it", () => {
    const wrapper = mountWith('checkins', picked(3))
    expect(wrapper.get('[data-test="m-checkin-photo-limit"]').text()).toContain('3/3 photos, each at most 1024 KB')
    expect(wrapper.get('[data-test="m-checkin-photo"]').attributes('disabled')).toBeDefined()
    expect(wrapper.findAll('[data-test="m-checkin-photo-item"]')).toHaveLength(3)
    const log = mountWith('logs', picked(3))
    expect(log.get('[data-test="m-log-photo-limit"]').text()).toContain('3/6 photos')
    expect(log.get('[data-test="m-log-photo"]').attributes('disabled')).toBeUndefined()
  })

  it('removes a photo and lets go of its preview, and of the rest when the list is emptied', async () => {
    const revoked: string[] = []
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u: string) => void revoked.push(u))
    const wrapper = mountWith('checkins', picked(3))
    await wrapper.findAll('[data-test="m-checkin-photo-item"] button')[1]!.trigger('click')
    expect(wrapper.props('modelValue').map((p) => p.url)).toEqual(['blob:photo-0', 'blob:photo-2'])
    expect(revoked).toEqual(['blob:photo-1'])
    expect(wrapper.get('[data-test="m-checkin-photo"]').attributes('disabled')).toBeUndefined()
    await wrapper.setProps({ modelValue: [] })
    expect(revoked.sort()).toEqual(['blob:photo-0', 'blob:photo-1', 'blob:photo-2'])
    expect(wrapper.find('[data-test="m-checkin-photo-item"]').exists()).toBe(false)
  })
})
