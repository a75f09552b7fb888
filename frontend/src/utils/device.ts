const VIEW_KEY = 'cunzhi.view'

/** A phone (small screen or mobile browser), unless the person chose the desktop pages. */
export function prefersMobile(): boolean {
  try {
    if (sessionStorage.getItem(VIEW_KEY) === 'desktop') return false
  } catch {
    /* storage unavailable */
  }
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 768px)').matches
  const mobileAgent = /Android|iPhone|iPod|Mobile|HarmonyOS/i.test(navigator.userAgent)
  return narrow || mobileAgent
}

export function chooseView(view: 'desktop' | 'mobile'): void {
  try {
    if (view === 'desktop') sessionStorage.setItem(VIEW_KEY, 'desktop')
    else sessionStorage.removeItem(VIEW_KEY)
  } catch {
    /* storage unavailable */
  }
}
