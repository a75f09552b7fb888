import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import { domains } from '@/domains'
import { ApiError, NetworkError, UserError } from '@/api/errors'
import zhCN from './zh-CN'
import en from './en'
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from './locales'

export { LOCALES, LOCALE_NAMES, type Locale } from './locales'

const STORAGE_KEY = 'cunzhi.locale'

type Tree = Record<string, unknown>
interface MessageTree {
  [key: string]: string | MessageTree
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function deepMerge(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key]
    target[key] = isTree(current) && isTree(value) ? deepMerge({ ...current }, value) : value
  }
  return target
}

function buildMessages(): Record<Locale, Tree> {
  const core: Record<Locale, Tree> = { 'zh-CN': zhCN, en }
  const out = {} as Record<Locale, Tree>
  for (const locale of LOCALES) {
    let merged: Tree = deepMerge({}, core[locale])
    for (const d of domains) {
      const m = d.messages?.[locale]
      if (m) merged = deepMerge(merged, m)
    }
    out[locale] = merged
  }
  return out
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (isLocale(saved)) return saved
  } catch {
    /* storage unavailable */
  }
  return DEFAULT_LOCALE
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages: buildMessages() as unknown as Record<Locale, MessageTree>,
  missingWarn: false,
  fallbackWarn: false,
})

/**
 * Adds messages after start-up. Desktop-only strings of a domain live in
 * src/domains/<name>/desktop-i18n.ts (`export const zhCN = {...}; export const en: typeof zhCN = {...}`)
 * and are merged here by the desktop root, so the phone pages never download them.
 */
export function mergeMessages(messages: Partial<Record<Locale, Tree>>): void {
  for (const locale of LOCALES) {
    const m = messages[locale]
    if (m) i18n.global.mergeLocaleMessage(locale, m as unknown as MessageTree)
  }
}

export interface DomainMessageModule {
  zhCN: Tree
  en: Tree
}

export function mergeDomainModules(modules: Record<string, DomainMessageModule>): void {
  for (const key of Object.keys(modules).sort()) {
    const m = modules[key]!
    mergeMessages({ 'zh-CN': m.zhCN, en: m.en })
  }
}

export const currentLocale = computed<Locale>(() => i18n.global.locale.value as Locale)

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    /* storage unavailable */
  }
}

document.documentElement.lang = currentLocale.value

/**
 * Any thrown error as a message for a person: a problem+json `code` is translated
 * (errors.<code>, domains add their own), never shown as raw JSON.
 */
export function errorMessage(error: unknown): string {
  const { t, te } = i18n.global
  if (error instanceof UserError) return error.message
  if (error instanceof NetworkError) return t('errors.network_error')
  if (error instanceof ApiError) {
    if (error.code === 'too_many_attempts') {
      if (error.retryAfter == null) return t('errors.too_many_attempts_later')
      return error.retryAfter >= 120
        ? t('errors.too_many_attempts_minutes', { minutes: Math.ceil(error.retryAfter / 60) })
        : t('errors.too_many_attempts', { seconds: error.retryAfter })
    }
    if (te(`errors.${error.code}`)) return t(`errors.${error.code}`, { status: error.status })
    if (error.status >= 500) return t('errors.server_error')
    if (currentLocale.value === 'en' && error.detail) return error.detail
    return t('errors.http_error', { status: error.status })
  }
  return t('errors.generic')
}

/** A field error (422 `errors[]` entry) as a message for a person. */
export function fieldErrorMessage(e: { msg: string; type?: string; ctx?: unknown }): string {
  const { t, te } = i18n.global
  const key = e.type ? `errors.field.${e.type}` : ''
  if (key && te(key)) {
    const fromCtx = isTree(e.ctx) ? (e.ctx.ge ?? e.ctx.le ?? e.ctx.limit) : undefined
    const fromMsg = /(-?\d+(?:\.\d+)?)\D*$/.exec(e.msg)?.[1]
    return t(key, { limit: String(fromCtx ?? fromMsg ?? ''), msg: e.msg })
  }
  // A type with no message of its own: the server's English text only in the English interface.
  return i18n.global.locale.value === 'en' && e.msg ? e.msg : t('errors.field.invalid')
}
