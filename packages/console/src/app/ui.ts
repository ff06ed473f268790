import { APIError } from './api.js'
import { formatClock, formatDuration, tokenStatus, type TokenStatus } from './format.js'
import { h, replace, uid, type Attrs, type Child } from './dom.js'
import type { Token } from './api.js'

/** A form field's text ('' when absent). */
export function text(data: FormData, name: string): string {
  const value = data.get(name)
  return typeof value === 'string' ? value : ''
}

/** A labelled input with an optional hint and a place for its error. */
export function field(options: {
  label: string
  name: string
  type?: string
  hint?: string
  attrs?: Attrs
}): HTMLDivElement {
  const id = uid(options.name)
  const hintId = options.hint === undefined ? undefined : `${id}-hint`
  const errorId = `${id}-error`
  const input =
    options.type === 'select'
      ? h('select', { id, name: options.name, ...options.attrs })
      : h('input', {
          id,
          name: options.name,
          type: options.type ?? 'text',
          'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
          ...options.attrs,
        })
  if (options.type === 'select') input.setAttribute('aria-describedby', errorId)
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, options.label),
    input,
    hintId === undefined ? null : h('p', { class: 'hint', id: hintId }, options.hint),
    h('p', { class: 'field-error', id: errorId, 'data-error-for': options.name }),
  )
}

/** Options of a `<select>`. */
export function options(
  values: readonly (string | readonly [value: string, label: string])[],
  selected?: string,
): HTMLOptionElement[] {
  return values.map((entry) => {
    const [value, label] = typeof entry === 'string' ? [entry, entry] : entry
    return h('option', { value, selected: value === selected }, label)
  })
}

/** A message area: `role=status` for news, switched to `role=alert` for an error. */
export function noticeArea(): HTMLDivElement {
  return h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' })
}

/** Shows a message (empty hides the area). */
export function say(area: HTMLElement, text: Child, kind: 'ok' | 'error' | 'info' = 'info'): void {
  area.className = `notice ${kind === 'info' ? '' : kind}`.trim()
  area.setAttribute('role', kind === 'error' ? 'alert' : 'status')
  replace(area, text)
}

/** What to tell a person about a failed request. */
export function describeProblem(error: unknown): string {
  if (!(error instanceof APIError)) return 'Something went wrong. Try again.'
  if (error.code === 'rate_limited') {
    const wait = error.retryAfterSeconds
    if (wait === undefined) return 'Too many attempts. Wait a while, then try again.'
    const at = new Date(Date.now() + wait * 1000)
    return `Too many attempts. Try again in ${formatDuration(wait)} (at ${formatClock(at)}).`
  }
  if (error.code === 'validation_failed' && error.fields.length > 0) {
    const fields = error.fields.map((f) => {
      const name = (f.path.split('/')[1] ?? '').replace(/_/g, ' ')
      return `${name === '' ? 'Request' : name[0]!.toUpperCase() + name.slice(1)}: ${f.message}.`
    })
    return `${error.detail}. ${fields.join(' ')}`
  }
  return error.detail
}

/**
 * Runs `action` when `form` is submitted: the submit button is disabled meanwhile, and an
 * error is shown in `area` and next to the fields it names (`/email` → the `email` field).
 */
export function onSubmit(
  form: HTMLFormElement,
  area: HTMLElement,
  action: (data: FormData) => Promise<void>,
): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    for (const error of form.querySelectorAll<HTMLElement>('[data-error-for]')) replace(error)
    for (const input of form.querySelectorAll('[aria-invalid]'))
      input.removeAttribute('aria-invalid')
    const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type=submit]')]
    for (const button of buttons) button.disabled = true
    say(area, '')
    action(new FormData(form))
      .catch((error: unknown) => {
        if (error instanceof APIError && error.status === 401 && area.isConnected === false) return
        say(area, describeProblem(error), 'error')
        if (error instanceof APIError) {
          for (const { path, message } of error.fields) {
            const name = path.split('/')[1] ?? ''
            const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`)
            const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`)
            if (slot !== null)
              replace(slot, `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}`)
            input?.setAttribute('aria-invalid', 'true')
          }
        }
      })
      .finally(() => {
        for (const button of buttons) button.disabled = false
      })
  })
}

/** A modal question (native `<dialog>`: focus stays inside, Escape cancels). Resolves to the answer. */
export function confirmDialog(options: {
  title: string
  body: Child
  confirm: string
  danger?: boolean
  /** Extra inputs; their values come back in the FormData. */
  fields?: Child
}): Promise<FormData | undefined> {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title')
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, options.title),
      h('div', null, options.body),
      options.fields ?? null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          { type: 'submit', value: 'confirm', class: options.danger === true ? 'danger' : '' },
          options.confirm,
        ),
        h(
          'button',
          { type: 'submit', value: 'cancel', class: 'secondary', formnovalidate: true },
          'Cancel',
        ),
      ),
    )
    const dialog = h('dialog', { 'aria-labelledby': titleId }, form)
    document.body.appendChild(dialog)
    dialog.addEventListener('close', () => {
      const answer = dialog.returnValue === 'confirm' ? new FormData(form) : undefined
      dialog.remove()
      resolve(answer)
    })
    dialog.showModal()
  })
}

/**
 * The one time a secret is shown: in a read-only field with a copy button and a warning. The
 * secret lives only in this element (never in storage, a URL or a log); Done removes it.
 */
export function secretPanel(options: {
  title: string
  secret: string
  note?: Child
  onDone: () => void
}): HTMLElement {
  const inputId = uid('secret')
  const copied = h('span', { role: 'status', 'aria-live': 'polite' })
  const input = h('input', {
    id: inputId,
    type: 'text',
    readonly: true,
    spellcheck: 'false',
    autocomplete: 'off',
    class: 'mono',
  })
  // A property, not an attribute: the secret is not written into the markup.
  input.value = options.secret
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(input.value)
      replace(copied, 'Copied.')
    } catch {
      input.select()
      replace(copied, 'Selected: press Ctrl+C (⌘C) to copy.')
    }
  }
  const panel = h(
    'section',
    { class: 'secret', 'aria-labelledby': `${inputId}-title` },
    h('h2', { id: `${inputId}-title` }, options.title),
    h(
      'p',
      null,
      h('strong', null, 'Copy it now: this is the only time it is shown. '),
      'Keep it somewhere safe, like a password manager or your CI’s secret store. ' +
        'If you lose it, rotate the token or create another.',
    ),
    h('label', { for: inputId }, 'Token secret'),
    h(
      'div',
      { class: 'value' },
      input,
      h('button', { type: 'button', onclick: () => void copy() }, 'Copy'),
      copied,
    ),
    options.note ?? null,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            input.value = ''
            panel.remove()
            options.onDone()
          },
        },
        'Done, I have stored it',
      ),
    ),
  )
  return panel
}

/** The status badge of a token. */
export function statusBadge(status: TokenStatus | { key: string; label: string; detail: string }) {
  return h('span', { class: `status ${status.key}`, title: status.detail || null }, status.label)
}

/** A list of scopes as chips; "none" when empty. */
export function scopeList(scopes: readonly string[]): HTMLElement {
  if (scopes.length === 0) return h('span', { class: 'hint' }, 'none')
  return h(
    'ul',
    { class: 'scopes' },
    scopes.map((s) => h('li', null, s)),
  )
}

export { tokenStatus }

/** Lists tokens: used for your tokens and for everyone's. */
export function tokenTable(options: {
  caption: string
  tokens: readonly Token[]
  now: Date
  owner?: (token: Token) => string
  onRotate?: (token: Token) => void
  onRevoke?: (token: Token) => void
}): HTMLElement {
  const columns = [
    'Name',
    ...(options.owner === undefined ? [] : ['Owner']),
    'Status',
    'Scopes',
    'Hint',
    'Created',
    'Expires',
    'Last used',
    'Actions',
  ]
  const cell = (label: string, ...content: Child[]) =>
    h('td', { 'data-label': label }, h('div', null, ...content))
  return h(
    'table',
    { class: 'responsive' },
    h('caption', { class: 'visually-hidden' }, options.caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        columns.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      null,
      options.tokens.map((token) => {
        const status = tokenStatus(token, options.now)
        const live = status.key !== 'revoked' && status.key !== 'expired'
        return h(
          'tr',
          { 'data-token-id': token.id },
          cell('Name', h('strong', null, token.name)),
          options.owner === undefined ? null : cell('Owner', options.owner(token)),
          cell(
            'Status',
            statusBadge(status),
            status.detail === '' ? null : h('p', { class: 'hint' }, status.detail),
          ),
          cell('Scopes', scopeList(token.scopes)),
          cell('Hint', h('code', { class: 'nowrap' }, token.hint)),
          cell('Created', formatTimeCell(token.created_at)),
          cell('Expires', formatTimeCell(token.expires_at)),
          cell('Last used', formatTimeCell(token.last_used_at)),
          cell(
            'Actions',
            live
              ? h(
                  'div',
                  { class: 'actions' },
                  // A second rotation while the previous secret still works is refused (409).
                  options.onRotate === undefined || status.key === 'grace'
                    ? null
                    : h(
                        'button',
                        {
                          type: 'button',
                          class: 'small secondary',
                          'aria-label': `Rotate ${token.name}`,
                          onclick: () => options.onRotate?.(token),
                        },
                        'Rotate',
                      ),
                  options.onRevoke === undefined
                    ? null
                    : h(
                        'button',
                        {
                          type: 'button',
                          class: 'small danger',
                          'aria-label': `Revoke ${token.name}`,
                          onclick: () => options.onRevoke?.(token),
                        },
                        'Revoke',
                      ),
                )
              : h('span', { class: 'hint' }, '—'),
          ),
        )
      }),
    ),
  )
}

function formatTimeCell(iso: string | null): HTMLElement {
  if (iso === null) return h('span', { class: 'hint' }, 'never')
  return h(
    'time',
    { datetime: iso },
    new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date(iso)),
  )
}
