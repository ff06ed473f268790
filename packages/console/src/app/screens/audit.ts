import { api, type AuditEvent, type Page } from '../api.js'
import type { App, Session } from '../app.js'
import { h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import { describeProblem, field, noticeArea, onSubmit, options, say, text } from '../ui.js'
import { ownerEmails } from './all-tokens.js'

/**
 * The audit log (`audit:read`): `GET /v1/audit` newest first, filtered by action, the user an
 * event is about, the actor and a time range, paged with the API's cursor (Newer goes back
 * through the cursors already seen).
 */
export function auditScreen(app: App): void {
  const session = app.session as Session
  const area = noticeArea()
  const results = h('div')
  const emails = new Map<string, string>()
  let query = new URLSearchParams()
  const cursors: (string | null)[] = [null]

  const who = (id: string | null) => (id === null ? '—' : (emails.get(id) ?? id))

  async function load(): Promise<void> {
    const cursor = cursors[cursors.length - 1] ?? null
    const params = new URLSearchParams(query)
    if (cursor !== null) params.set('cursor', cursor)
    const qs = params.toString()
    const page = await api<Page<AuditEvent>>('GET', qs === '' ? '/v1/audit' : `/v1/audit?${qs}`)
    draw(page)
  }

  function draw(page: Page<AuditEvent>): void {
    const cell = (label: string, ...content: (Node | string)[]) =>
      h('td', { 'data-label': label }, h('div', null, ...content))
    replace(
      results,
      page.items.length === 0
        ? h('p', { class: 'hint' }, 'No events match.')
        : h(
            'table',
            { class: 'responsive' },
            h('caption', null, `Audit events, page ${cursors.length}`),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Time', 'Action', 'Actor', 'User', 'Token', 'Client IP', 'Details'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              page.items.map((event) =>
                h(
                  'tr',
                  null,
                  cell('Time', h('time', { datetime: event.at }, formatTime(event.at))),
                  cell('Action', h('code', { class: 'nowrap' }, event.action)),
                  cell(
                    'Actor',
                    event.actor.kind === 'user'
                      ? who(event.actor.id)
                      : `${event.actor.kind}${event.actor.id === null ? '' : ` ${event.actor.id}`}`,
                  ),
                  cell('User', who(event.user_id)),
                  cell('Token', event.token_id === null ? '—' : h('code', null, event.token_id)),
                  cell('Client IP', event.client_ip ?? '—'),
                  cell('Details', h('code', null, JSON.stringify(event.details))),
                ),
              ),
            ),
          ),
      h(
        'div',
        { class: 'pager' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: cursors.length === 1,
            onclick: () => {
              cursors.pop()
              void load().catch((e: unknown) => say(area, describeProblem(e), 'error'))
            },
          },
          'Newer',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: page.next_cursor === null,
            onclick: () => {
              cursors.push(page.next_cursor)
              void load().catch((e: unknown) => say(area, describeProblem(e), 'error'))
            },
          },
          'Older',
        ),
      ),
    )
  }

  const userField = field({ label: 'About user', name: 'user_id', type: 'select' })
  const form = h(
    'form',
    { novalidate: true, class: 'card' },
    h(
      'div',
      { class: 'filters' },
      (() => {
        const wrapper = field({ label: 'Action', name: 'action', type: 'select' })
        wrapper
          .querySelector('select')
          ?.append(
            ...options(
              [['', 'Any action'], ...session.policy.audit_actions.map((a) => [a, a] as const)],
              '',
            ),
          )
        return wrapper
      })(),
      userField,
      field({
        label: 'Actor id',
        name: 'actor_id',
        hint: 'A user id or a service name.',
        attrs: { autocomplete: 'off' },
      }),
      field({ label: 'Since', name: 'since', type: 'datetime-local' }),
      field({ label: 'Until', name: 'until', type: 'datetime-local' }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
    ),
  )
  form.addEventListener('reset', () => {
    query = new URLSearchParams()
    cursors.splice(0, cursors.length, null)
    setTimeout(() => void load().catch((e: unknown) => say(area, describeProblem(e), 'error')), 0)
  })
  onSubmit(form, area, async (data) => {
    const next = new URLSearchParams()
    for (const name of ['action', 'user_id', 'actor_id']) {
      const value = text(data, name).trim()
      if (value !== '') next.set(name, value)
    }
    for (const name of ['since', 'until']) {
      const value = text(data, name)
      // datetime-local is local time without an offset; the API wants RFC 3339 with one.
      if (value !== '') next.set(name, new Date(value).toISOString())
    }
    query = next
    cursors.splice(0, cursors.length, null)
    await load()
  })

  app.page('Audit log', area, form, results)
  ownerEmails(app, emails)
    .then(() => {
      const select = userField.querySelector('select')
      if (select !== null) {
        const known = [...emails].sort((a, b) => a[1].localeCompare(b[1]))
        select.append(...options([['', 'Any user'], ...known], ''))
      }
      return load()
    })
    .catch((error: unknown) => say(area, describeProblem(error), 'error'))
}
