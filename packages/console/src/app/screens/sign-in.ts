import { api } from '../api.js'
import type { App } from '../app.js'
import { h } from '../dom.js'
import { field, noticeArea, onSubmit, say, text } from '../ui.js'

/**
 * Sign in: email and password → `POST /v1/auth/sessions` with `cookie: true`. The session comes
 * back only as the `HttpOnly` cookie; the page never sees it.
 */
export function signInScreen(app: App): void {
  const area = noticeArea()
  const flash = app.takeFlash()
  if (flash !== undefined) say(area, flash.text, flash.kind)
  const form = h(
    'form',
    { novalidate: true },
    field({
      label: 'Email',
      name: 'email',
      type: 'email',
      attrs: { autocomplete: 'username', required: true, autofocus: true },
    }),
    field({
      label: 'Password',
      name: 'password',
      type: 'password',
      attrs: { autocomplete: 'current-password', required: true },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')),
  )
  onSubmit(form, area, async (data) => {
    await api('POST', '/v1/auth/sessions', {
      body: {
        email: text(data, 'email'),
        password: text(data, 'password'),
        cookie: true,
      },
      expect401: true,
    })
    await app.signedIn()
  })
  app.page(
    'Sign in',
    h(
      'div',
      { class: 'card narrow' },
      h('p', { class: 'lead' }, 'Sign in to manage your API tokens.'),
      area,
      form,
    ),
  )
}
