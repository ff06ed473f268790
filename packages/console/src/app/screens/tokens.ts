import { api, type Page, type Token, type TokenSecret } from '../api.js'
import type { App, Session } from '../app.js'
import { h, replace } from '../dom.js'
import { formatDuration, formatTime } from '../format.js'
import {
  confirmDialog,
  describeProblem,
  field,
  noticeArea,
  onSubmit,
  say,
  secretPanel,
  tokenTable,
  text,
} from '../ui.js'

/** Options of {@link tokenList}. */
export type TokenListOptions = {
  app: App
  /** `/v1/auth/tokens` or `/v1/auth/tokens?all=true`. */
  path: string
  caption: string
  /** Where messages and secrets go. */
  area: HTMLElement
  secrets: HTMLElement
  owner?: (token: Token) => string
}

/**
 * A paged token list with rotate and revoke: `GET /v1/auth/tokens` (cursor pagination, "Show
 * more"), `POST /v1/auth/tokens/{id}/rotate` and `DELETE /v1/auth/tokens/{id}`, each confirmed
 * in a dialog first. Returns the element and a `reload`.
 */
export function tokenList(options: TokenListOptions): {
  element: HTMLElement
  reload: () => Promise<void>
} {
  const { app, area, secrets } = options
  const element = h('div', { class: 'token-list' })
  let items: Token[] = []
  let next: string | null = null

  async function fetchPage(cursor: string | null): Promise<void> {
    const separator = options.path.includes('?') ? '&' : '?'
    const url =
      cursor === null
        ? options.path
        : `${options.path}${separator}cursor=${encodeURIComponent(cursor)}`
    const page = await api<Page<Token>>('GET', url)
    items = cursor === null ? page.items : [...items, ...page.items]
    next = page.next_cursor
    draw()
  }

  function draw(): void {
    const more =
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
                  void fetchPage(next).catch((e: unknown) =>
                    say(area, describeProblem(e), 'error'),
                  ),
              },
              'Show more',
            ),
          )
    replace(
      element,
      items.length === 0
        ? h('p', { class: 'hint' }, 'No tokens yet.')
        : tokenTable({
            caption: options.caption,
            tokens: items,
            now: new Date(),
            owner: options.owner,
            onRotate: (token) => void rotate(token),
            onRevoke: (token) => void revoke(token),
          }),
      more,
    )
  }

  async function revoke(token: Token): Promise<void> {
    const answer = await confirmDialog({
      title: `Revoke “${token.name}”?`,
      body: h(
        'p',
        null,
        'Every request made with this token (',
        h('code', null, token.hint),
        ') will be refused from now on. This cannot be undone.',
      ),
      confirm: 'Revoke token',
      danger: true,
    })
    if (answer === undefined) return
    try {
      await api('DELETE', `/v1/auth/tokens/${encodeURIComponent(token.id)}`)
      say(area, `Token “${token.name}” is revoked.`, 'ok')
      await fetchPage(null)
    } catch (error) {
      say(area, describeProblem(error), 'error')
    }
  }

  async function rotate(token: Token): Promise<void> {
    const policy = (app.session as Session).policy.tokens
    const answer = await confirmDialog({
      title: `Rotate “${token.name}”?`,
      body: h(
        'p',
        null,
        'A new secret replaces the current one; the id, name, scopes and expiry stay. ' +
          'The current secret keeps working for the grace period, so you can deploy the new one first.',
      ),
      fields: field({
        label: 'Grace period (seconds)',
        name: 'grace',
        type: 'number',
        hint: `0 ends the current secret at once; at most ${formatDuration(policy.max_rotation_grace_seconds)}, and never past the token’s expiry.`,
        attrs: {
          min: 0,
          max: policy.max_rotation_grace_seconds,
          step: 1,
          value: policy.rotation_grace_seconds,
          inputmode: 'numeric',
          required: true,
        },
      }),
      confirm: 'Rotate token',
    })
    if (answer === undefined) return
    const grace = Number(text(answer, 'grace'))
    try {
      const rotated = await api<TokenSecret>(
        'POST',
        `/v1/auth/tokens/${encodeURIComponent(token.id)}/rotate`,
        { body: Number.isInteger(grace) ? { grace_period_seconds: grace } : {} },
      )
      showSecret(secrets, {
        title: `New secret for “${rotated.name}”`,
        secret: rotated.token,
        note: h(
          'p',
          null,
          'The previous secret works until ',
          h('strong', null, formatTime(rotated.previous_token_expires_at)),
          '.',
        ),
      })
      say(area, `Token “${rotated.name}” is rotated.`, 'ok')
      await fetchPage(null)
    } catch (error) {
      say(area, describeProblem(error), 'error')
    }
  }

  return { element, reload: () => fetchPage(null) }
}

/** Puts a secret panel in `slot` (replacing any earlier one) and moves focus to it. */
export function showSecret(
  slot: HTMLElement,
  options: { title: string; secret: string; note?: HTMLElement },
): void {
  const panel = secretPanel({ ...options, onDone: () => replace(slot) })
  replace(slot, panel)
  panel.querySelector('input')?.focus()
}

/**
 * My tokens: create one (name, scopes the role may grant, expiry within the policy; the API
 * asks for the password again: `POST /v1/auth/tokens`), see the secret once, and list, rotate
 * and revoke the caller's own tokens.
 */
export function tokensScreen(app: App): void {
  const session = app.session as Session
  const { policy } = session
  const area = noticeArea()
  const secrets = h('div')
  const list = tokenList({ app, path: '/v1/auth/tokens', caption: 'Your tokens', area, secrets })

  const defaults = new Set(policy.default_scopes)
  const form = h(
    'form',
    { novalidate: true },
    field({
      label: 'Name',
      name: 'name',
      hint: 'Unique among your tokens, e.g. “ci-deploy”.',
      attrs: { required: true, maxlength: 100, autocomplete: 'off' },
    }),
    h(
      'fieldset',
      null,
      h('legend', null, 'Scopes'),
      h('p', { class: 'hint' }, 'What the token may do. Your role allows these.'),
      h(
        'div',
        { class: 'checks' },
        policy.scopes.map((scope) =>
          h(
            'label',
            null,
            h('input', {
              type: 'checkbox',
              name: 'scopes',
              value: scope,
              checked: defaults.has(scope),
            }),
            scope,
          ),
        ),
      ),
      h('p', { class: 'field-error', 'data-error-for': 'scopes' }),
    ),
    field({
      label: 'Expires in (days)',
      name: 'expires_in_days',
      type: 'number',
      hint: `Between ${policy.tokens.min_days} and ${policy.tokens.max_days} days.`,
      attrs: {
        min: policy.tokens.min_days,
        max: policy.tokens.max_days,
        step: 1,
        value: policy.tokens.default_days,
        inputmode: 'numeric',
        required: true,
      },
    }),
    field({
      label: 'Your password',
      name: 'password',
      type: 'password',
      hint: 'Creating a token asks for your password again, so a session left open cannot mint credentials.',
      attrs: { autocomplete: 'current-password', required: true },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create token')),
  )
  onSubmit(form, area, async (data) => {
    const days = Number(text(data, 'expires_in_days'))
    const created = await api<TokenSecret>('POST', '/v1/auth/tokens', {
      body: {
        email: session.user.email,
        password: text(data, 'password'),
        name: text(data, 'name'),
        scopes: data.getAll('scopes').map(String),
        ...(Number.isInteger(days) && text(data, 'expires_in_days') !== ''
          ? { expires_in_days: days }
          : {}),
      },
      // A wrong password is an answer to show, not the end of the session.
      expect401: true,
    })
    form.reset()
    showSecret(secrets, { title: `Your new token “${created.name}”`, secret: created.token })
    say(
      area,
      `Token “${created.name}” is created; it expires ${formatTime(created.expires_at)}.`,
      'ok',
    )
    await list.reload()
  })

  app.page(
    'My tokens',
    area,
    secrets,
    h(
      'section',
      { 'aria-labelledby': 'list-title' },
      h('h2', { id: 'list-title' }, 'Your tokens'),
      list.element,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'create-title' },
      h('h2', { id: 'create-title' }, 'Create a token'),
      form,
    ),
  )
  list.reload().catch((error: unknown) => say(area, describeProblem(error), 'error'))
}
