import { api } from '../api.js'
import type { App } from '../app.js'
import { h } from '../dom.js'
import { field, noticeArea, onSubmit, text } from '../ui.js'

/**
 * First start: no user exists yet. The setup code `keygate serve` printed (and wrote to
 * `data/setup-code`) creates the first admin (`POST /v1/setup`), who is then signed in.
 */
export function setupScreen(app: App): void {
  const area = noticeArea()
  const form = h(
    'form',
    { novalidate: true },
    field({
      label: 'Setup code',
      name: 'code',
      hint: 'Printed by keygate serve at this first start (also in data/setup-code). Single use, valid for one hour.',
      attrs: {
        autocomplete: 'one-time-code',
        required: true,
        spellcheck: 'false',
        autofocus: true,
      },
    }),
    field({
      label: 'Your email',
      name: 'email',
      type: 'email',
      attrs: { autocomplete: 'username', required: true },
    }),
    field({
      label: 'Choose a password',
      name: 'password',
      type: 'password',
      hint: '8 to 128 characters.',
      attrs: { autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create the first admin')),
  )
  onSubmit(form, area, async (data) => {
    const email = text(data, 'email')
    const password = text(data, 'password')
    await api('POST', '/v1/setup', {
      body: { code: text(data, 'code').trim(), email, password },
    })
    await api('POST', '/v1/auth/sessions', { body: { email, password, cookie: true } })
    await app.signedIn()
  })
  app.page(
    'Set up keygate',
    h(
      'div',
      { class: 'card narrow' },
      h(
        'p',
        { class: 'lead' },
        'No user exists yet. Create the first administrator with the one-time setup code.',
      ),
      area,
      form,
      h('p', { class: 'hint' }, 'Already set up? ', h('a', { href: '#/sign-in' }, 'Sign in')),
    ),
  )
}
