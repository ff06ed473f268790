import type { Token } from './api.js'

const DAY_MS = 86_400_000

/** How soon before its expiry a token counts as expiring. */
export const EXPIRING_WITHIN_DAYS = 7

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' })

/** A timestamp for people, in their time zone; `—` for none. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  return dateTime.format(new Date(iso))
}

/** The time of day only (for "try again at"). */
export function formatClock(date: Date): string {
  return time.format(date)
}

/** `90` → `1 min 30 s`, `7200` → `2 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60)
    return `${Math.floor(s / 3600)} h${m === 0 ? '' : ` ${m} min`}`
  }
  const h = Math.floor((s % 86_400) / 3600)
  return `${Math.floor(s / 86_400)} d${h === 0 ? '' : ` ${h} h`}`
}

export type TokenStatus = {
  readonly key: 'active' | 'expiring' | 'expired' | 'revoked' | 'grace'
  readonly label: string
  /** One more sentence for people (and screen readers), or empty. */
  readonly detail: string
}

/**
 * What a token's state is now: revoked and expired first (nothing else matters then), then a
 * rotation whose previous secret still works, then expiring within {@link EXPIRING_WITHIN_DAYS}.
 */
export function tokenStatus(token: Token, now: Date): TokenStatus {
  if (token.is_revoked) {
    return { key: 'revoked', label: 'revoked', detail: `Revoked ${formatTime(token.revoked_at)}` }
  }
  const expires = new Date(token.expires_at).getTime()
  if (token.is_expired || expires <= now.getTime()) {
    return { key: 'expired', label: 'expired', detail: `Expired ${formatTime(token.expires_at)}` }
  }
  const grace = token.previous_token_expires_at
  if (grace !== null && new Date(grace).getTime() > now.getTime()) {
    return {
      key: 'grace',
      label: 'in rotation grace',
      detail: `The previous secret works until ${formatTime(grace)}`,
    }
  }
  if (expires - now.getTime() <= EXPIRING_WITHIN_DAYS * DAY_MS) {
    const days = Math.max(0, Math.ceil((expires - now.getTime()) / DAY_MS))
    return {
      key: 'expiring',
      label: 'expiring',
      detail: days <= 1 ? 'Expires within a day' : `Expires in ${days} days`,
    }
  }
  return { key: 'active', label: 'active', detail: '' }
}
