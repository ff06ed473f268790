import { api, type Page, type User } from '../api.js'
import type { App, Session } from '../app.js'
import { h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import {
  confirmDialog,
  describeProblem,
  field,
  noticeArea,
  onSubmit,
  options,
  say,
  statusBadge,
  text,
} from '../ui.js'

/**
 * Users (`users:manage`): create (`POST /v1/users`), list (`GET /v1/users`, paged), disable and
 * enable, change role (`PATCH /v1/users/{id}`). Disabling revokes the user's tokens and ends their
 * sessions; the dialog says so. Your own user cannot be changed here (the API refuses it too).
 */
export function usersScreen(app: App): void {
  const session = app.session as Session
  const area = noticeArea()
  const listSlot = h('div')
  let users: User[] = []
  let next: string | null = null

  async function load(cursor: string | null): Promise<void> {
    const page = await api<Page<User>>(
      'GET',
      cursor === null ? '/v1/users' : `/v1/users?cursor=${encodeURIComponent(cursor)}`,
    )
    users = cursor === null ? page.items : [...users, ...page.items]
    next = page.next_cursor
    draw()
  }

  async function update(user: User, body: { role?: string; disabled?: boolean }): Promise<void> {
    try {
      await api('PATCH', `/v1/users/${encodeURIComponent(user.id)}`, { body })
      say(
        area,
        body.disabled === true
          ? `${user.email} is disabled.`
          : body.disabled === false
            ? `${user.email} is enabled.`
            : `${user.email} is now ${body.role}.`,
        'ok',
      )
      await load(null)
    } catch (error) {
      say(area, describeProblem(error), 'error')
    }
  }

  async function disable(user: User): Promise<void> {
    const answer = await confirmDialog({
      title: `Disable ${user.email}?`,
      body: h(
        'p',
        null,
        'They are signed out everywhere and every token they hold is revoked at once. ' +
          'Enabling them later does not bring the tokens back.',
      ),
      confirm: 'Disable user',
      danger: true,
    })
    if (answer !== undefined) await update(user, { disabled: true })
  }

  function row(user: User): HTMLElement {
    const self = user.id === session.user.id
    const cell = (label: string, ...content: (Node | string | null)[]) =>
      h('td', { 'data-label': label }, h('div', null, ...content))
    const roleSelect = h(
      'select',
      { 'aria-label': `Role of ${user.email}`, name: 'role' },
      options(session.policy.roles, user.role),
    )
    return h(
      'tr',
      { 'data-user-id': user.id },
      cell(
        'Email',
        h('strong', null, user.email),
        self ? h('span', { class: 'hint' }, ' (you)') : null,
      ),
      cell('Role', self ? user.role : roleSelect),
      cell(
        'Status',
        statusBadge(
          user.disabled
            ? { key: 'disabled', label: 'disabled', detail: '' }
            : { key: 'active', label: 'active', detail: '' },
        ),
      ),
      cell('Created', formatTime(user.created_at)),
      cell(
        'Actions',
        self
          ? h('span', { class: 'hint' }, '—')
          : h(
              'div',
              { class: 'actions' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'small secondary',
                  'aria-label': `Save role of ${user.email}`,
                  onclick: () => {
                    if (roleSelect.value !== user.role)
                      void update(user, { role: roleSelect.value })
                  },
                },
                'Save role',
              ),
              user.disabled
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'small secondary',
                      'aria-label': `Enable ${user.email}`,
                      onclick: () => void update(user, { disabled: false }),
                    },
                    'Enable',
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'small danger',
                      'aria-label': `Disable ${user.email}`,
                      onclick: () => void disable(user),
                    },
                    'Disable',
                  ),
            ),
      ),
    )
  }

  function draw(): void {
    replace(
      listSlot,
      h(
        'table',
        { class: 'responsive' },
        h('caption', null, 'Users'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Email', 'Role', 'Status', 'Created', 'Actions'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h('tbody', null, users.map(row)),
      ),
      next === null
        ? null
        : h(
            'div',
            { class: 'pager' },
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () =>
                  void load(next).catch((e: unknown) => say(area, describeProblem(e), 'error')),
              },
              'Show more',
            ),
          ),
    )
  }

  const form = h(
    'form',
    { novalidate: true },
    field({
      label: 'Email',
      name: 'email',
      type: 'email',
      attrs: { required: true, autocomplete: 'off' },
    }),
    field({
      label: 'Initial password',
      name: 'password',
      type: 'password',
      hint: '8 to 128 characters. Tell it to them privately; they can change it under Account.',
      attrs: { required: true, autocomplete: 'new-password', minlength: 8, maxlength: 128 },
    }),
    (() => {
      const wrapper = field({ label: 'Role', name: 'role', type: 'select' })
      wrapper.querySelector('select')?.append(...options(session.policy.roles, 'user'))
      return wrapper
    })(),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create user')),
  )
  onSubmit(form, area, async (data) => {
    const created = await api<User>('POST', '/v1/users', {
      body: {
        email: text(data, 'email'),
        password: text(data, 'password'),
        role: text(data, 'role') || 'user',
      },
    })
    form.reset()
    say(area, `${created.email} is created (${created.role}).`, 'ok')
    await load(null)
  })

  app.page(
    'Users',
    area,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'new-user' },
      h('h2', { id: 'new-user' }, 'Create a user'),
      form,
    ),
    h(
      'section',
      { 'aria-labelledby': 'user-list' },
      h('h2', { id: 'user-list' }, 'All users'),
      listSlot,
    ),
  )
  load(null).catch((error: unknown) => say(area, describeProblem(error), 'error'))
}
