import { api } from '../api.js'
import type { App, Session } from '../app.js'
import { h } from '../dom.js'
import { formatTime } from '../format.js'
import { field, noticeArea, onSubmit, say, scopeList, text } from '../ui.js'

/**
 * Account: who you are, and changing your password (`PUT /v1/users/me/password`), which ends
 * every other session of yours; this browser gets a fresh session in the answer.
 */
export function accountScreen(app: App): void {
  const { user, policy } = app.session as Session
  const area = noticeArea()
  const form = h(
    'form',
    { novalidate: true },
    h('input', {
      type: 'text',
      name: 'username',
      autocomplete: 'username',
      value: user.email,
      hidden: true,
    }),
    field({
      label: 'Current password',
      name: 'current_password',
      type: 'password',
      attrs: { autocomplete: 'current-password', required: true },
    }),
    field({
      label: 'New password',
      name: 'new_password',
      type: 'password',
      hint: '8 to 128 characters.',
      attrs: { autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 },
    }),
    field({
      label: 'New password again',
      name: 'confirm',
      type: 'password',
      attrs: { autocomplete: 'new-password', required: true },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Change password')),
  )
  onSubmit(form, area, async (data) => {
    const next = text(data, 'new_password')
    if (next !== text(data, 'confirm')) {
      say(area, 'The two new passwords differ.', 'error')
      return
    }
    await api('PUT', '/v1/users/me/password', {
      body: { current_password: text(data, 'current_password'), new_password: next },
    })
    form.reset()
    say(area, 'Your password is changed. Your other sessions have ended; this one goes on.', 'ok')
  })
  app.page(
    'Account',
    area,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'me' },
      h('h2', { id: 'me' }, 'You'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Email'),
        h('dd', null, user.email),
        h('dt', null, 'Role'),
        h('dd', null, user.role),
        h('dt', null, 'User id'),
        h('dd', null, h('code', null, user.id)),
        h('dt', null, 'Member since'),
        h('dd', null, formatTime(user.created_at)),
        h('dt', null, 'Your role may grant'),
        h('dd', null, scopeList(policy.scopes)),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'pw' },
      h('h2', { id: 'pw' }, 'Change your password'),
      form,
    ),
  )
}
