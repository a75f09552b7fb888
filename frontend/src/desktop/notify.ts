/** Desktop notices. Errors are translated from their problem+json `code` (never raw JSON). */
import { ElMessage } from 'element-plus'
import { errorMessage } from '@/i18n'

export function notifyError(error: unknown): void {
  ElMessage({ type: 'error', message: errorMessage(error), showClose: true, duration: 5000, grouping: true })
}

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, duration: 2500, grouping: true })
}
