import { describe, expect, it } from 'vitest'
import type { QueuedWrite } from '@/offline/queue'
import { discardMessage, failureReason, lastAttempt, photoCount, ridingLabels } from './outbox'

const messages: Record<string, string> = {
  'errors.too_many_photos': '照片数量已达上限',
  'errors.generic': '操作失败',
  'mobile.discardConfirm': '放弃这条？',
  'mobile.discardPendingConfirm': '还没有上传，放弃？',
  'mobile.discardPhotos': '其中{n}张照片也一并放弃。',
  'mobile.discardRiding': '随它上传的{n}条记录也一并放弃。',
  'mobile.lastAttempt': '已尝试{n}次：{why}',
  'mobile.noSignal': '没有网络',
  'mobile.serverBusy': '服务器繁忙',
}
const t = (key: string, named: Record<string, unknown> = {}): string =>
  (messages[key] ?? key).replace(/\{(\w+)\}/g, (_m, k: string) => String(named[k]))
const te = (key: string): boolean => key in messages
const file = { field: 'file', filename: 'p.jpg', type: 'image/jpeg', data: new ArrayBuffer(1) }

function write(over: Partial<QueuedWrite>): QueuedWrite {
  return { key: 'k', method: 'POST', path: '/api/v1/cadres/logs', body: {}, headers: {}, label: null, createdAt: 0,
    attempts: 0, state: 'pending', lastError: null, ...over }
}

describe('the outbox', () => {
  it('counts the photos that ride on a write', () => {
    const w = write({ then: [{ method: 'POST', path: '/api/v1/cadres/logs/{id}/photos', files: [file] },
      { method: 'POST', path: '/api/v1/cadres/logs/{id}/photos', files: [file] }] })
    expect(photoCount(w)).toBe(2)
    expect(photoCount(write({ files: [file] }))).toBe(1)
    expect(photoCount(write({}))).toBe(0)
  })

  it('says why the server refused an item, with its code', () => {
    expect(failureReason(write({ state: 'failed', lastError: { status: 409, code: 'too_many_photos', message: 'At most 6' } }), t, te))
      .toBe('照片数量已达上限 (409 too_many_photos)')
    // an unknown code: the server's own words
    expect(failureReason(write({ state: 'failed', lastError: { status: 422, code: 'odd_thing', message: 'Odd' } }), t, te))
      .toBe('Odd (422 odd_thing)')
    expect(failureReason(write({ state: 'failed', lastError: null }), t, te)).toBe('操作失败')
  })

  it('tells how the last attempt of a waiting item went', () => {
    expect(lastAttempt(write({}), t)).toBeNull()
    expect(lastAttempt(write({ attempts: 2, lastError: { status: null, code: 'network_error', message: null } }), t)).toBe('已尝试2次：没有网络')
    expect(lastAttempt(write({ attempts: 1, lastError: { status: 503, code: null, message: null } }), t)).toBe('已尝试1次：服务器繁忙')
    expect(lastAttempt(write({ state: 'failed', attempts: 1, lastError: { status: 409, code: 'x', message: null } }), t)).toBeNull()
  })

  it('warns that discarding a write loses its photos', () => {
    expect(discardMessage(write({ state: 'failed' }), t)).toBe('放弃这条？')
    expect(discardMessage(write({ then: [{ method: 'POST', path: '/x/{id}/photos', files: [file] }] }), t))
      .toBe('还没有上传，放弃？ 其中1张照片也一并放弃。')
  })

  it('names the findings that ride on a log, and says they go with it when it is discarded', () => {
    const w = write({ then: [{ method: 'POST', path: '/api/v1/cadres/logs/{id}/photos', files: [file] },
      { method: 'POST', path: '/api/v1/cadres/logs/{id}/findings', body: {}, label: '发现问题 2026-05-01：账目不清' }] })
    expect(ridingLabels(w)).toEqual(['发现问题 2026-05-01：账目不清'])
    expect(discardMessage(w, t)).toBe('还没有上传，放弃？ 其中1张照片也一并放弃。 随它上传的1条记录也一并放弃。')
    expect(ridingLabels(write({}))).toEqual([])
  })
})
