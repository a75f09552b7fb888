/** Phone notices (Vant toasts). Errors are translated from their problem+json `code`. */
import { showFailToast, showSuccessToast, showToast } from 'vant'
import { errorMessage } from '@/i18n'

export function toastError(error: unknown): void {
  showFailToast({ message: errorMessage(error), wordBreak: 'break-word' })
}

export function toastSuccess(message: string): void {
  showSuccessToast(message)
}

export function toastInfo(message: string): void {
  showToast(message)
}
