import { api, type Page, type User } from '../api.js'
import type { App } from '../app.js'
import { h } from '../dom.js'
import { describeProblem, noticeArea, say } from '../ui.js'
import { tokenList } from './tokens.js'

/**
 * Every user's tokens (`tokens:manage`): `GET /v1/auth/tokens?all=true`, with their owner (the
 * email when the session may list users, else the user id), rotate and revoke.
 */
export function allTokensScreen(app: App): void {
  const area = noticeArea()
  const secrets = h('div')
  const emails = new Map<string, string>()
  const list = tokenList({
    app,
    path: '/v1/auth/tokens?all=true',
    caption: 'Every user’s tokens',
    area,
    secrets,
    owner: (token) => emails.get(token.user_id) ?? token.user_id,
  })
  app.page(
    'All tokens',
    h(
      'p',
      { class: 'lead' },
      'Every token of every user. Revoking or rotating one here acts for its owner.',
    ),
    area,
    secrets,
    list.element,
  )
  ownerEmails(app, emails)
    .then(() => list.reload())
    .catch((error: unknown) => say(area, describeProblem(error), 'error'))
}

/** Fills `emails` (user id → email) when the session may list users. */
export async function ownerEmails(app: App, emails: Map<string, string>): Promise<void> {
  if (!app.holds('users:manage')) return
  let cursor: string | null = null
  // A few pages at most: past that, the id stands in for the email.
  for (let i = 0; i < 5; i += 1) {
    const path: string =
      cursor === null
        ? '/v1/users?limit=100'
        : `/v1/users?limit=100&cursor=${encodeURIComponent(cursor)}`
    const page: Page<User> = await api<Page<User>>('GET', path)
    for (const user of page.items) emails.set(user.id, user.email)
    cursor = page.next_cursor
    if (cursor === null) return
  }
}
