import { api, type APIError, type Policy, type User } from './api.js'
import { h, replace, type Child } from './dom.js'

/** Who is signed in, and what they may do (from `GET /v1/users/me` and `GET /v1/auth/policy`). */
export type Session = { readonly user: User; readonly policy: Policy }

/** What every screen gets. */
export type App = {
  /** The signed-in session; screens for signed-in users only run when there is one. */
  readonly session: Session | undefined
  /** Navigates to a route (`/tokens`). */
  go(route: string): void
  /** True when the session holds `scope`. */
  holds(scope: string): boolean
  /** Loads the session after a sign-in and shows the tokens. */
  signedIn(): Promise<void>
  /** Renders a screen: its title (the `<h1>`, focused on navigation) and content. */
  page(title: string, ...content: Child[]): void
  /** A message for the next screen (after sign-out, a session that ended). */
  flash(text: string, kind?: 'ok' | 'error'): void
  takeFlash(): { text: string; kind: 'ok' | 'error' } | undefined
  /** Sets the session (at start, from the cookie). */
  setSession(value: Session | undefined): void
  /** Forgets the session (signed out, or ended by the server). */
  forget(): void
}

type NavItem = { route: string; label: string; scope?: string }

const NAV: readonly NavItem[] = [
  { route: '/tokens', label: 'My tokens' },
  { route: '/admin/users', label: 'Users', scope: 'users:manage' },
  { route: '/admin/tokens', label: 'All tokens', scope: 'tokens:manage' },
  { route: '/admin/audit', label: 'Audit log', scope: 'audit:read' },
  { route: '/account', label: 'Account' },
]

/** Loads who is signed in; undefined when the cookie is missing or the session has ended. */
export async function loadSession(): Promise<Session | undefined> {
  try {
    const user = await api<User>('GET', '/v1/users/me', { expect401: true })
    const policy = await api<Policy>('GET', '/v1/auth/policy', { expect401: true })
    return { user, policy }
  } catch (error) {
    if ((error as APIError).status === 401) return undefined
    throw error
  }
}

/** The current route: the part of the hash after `#` (`/tokens`), or undefined for another hash. */
export function currentRoute(): string | undefined {
  const hash = window.location.hash
  if (hash === '' || hash === '#') return ''
  return hash.startsWith('#/') ? hash.slice(1) : undefined
}

/** Builds the app shell around `root`. `render` draws the current route. */
export function createApp(root: HTMLElement, render: () => Promise<void>): App {
  let session: Session | undefined
  let flash: { text: string; kind: 'ok' | 'error' } | undefined
  let navigated = false

  const app: App = {
    get session() {
      return session
    },
    go(route) {
      navigated = true
      if (window.location.hash === `#${route}`) void render()
      else window.location.hash = route
    },
    holds(scope) {
      return session?.policy.scopes.includes(scope) === true
    },
    async signedIn() {
      session = await loadSession()
      app.go('/tokens')
    },
    page(title, ...content) {
      const heading = h('h1', { tabindex: '-1' }, title)
      const main = h(
        'main',
        { id: 'main', tabindex: '-1', class: session === undefined ? 'signed-out' : null },
        heading,
        ...content,
      )
      replace(root, session === undefined ? brandOnly() : header(app, session), main)
      document.title = `${title} · keygate console`
      if (navigated) heading.focus()
    },
    flash(text, kind = 'ok') {
      flash = { text, kind }
    },
    takeFlash() {
      const taken = flash
      flash = undefined
      return taken
    },
    setSession(value) {
      session = value
    },
    forget() {
      session = undefined
    },
  }
  window.addEventListener('hashchange', () => {
    navigated = true
    void render()
  })
  return app
}

function brandOnly(): HTMLElement {
  return h(
    'header',
    { class: 'bar' },
    h('div', { class: 'inner' }, h('span', { class: 'brand' }, 'keygate')),
  )
}

function header(app: App, session: Session): HTMLElement {
  const route = currentRoute()
  const items = NAV.filter((item) => item.scope === undefined || app.holds(item.scope))
  return h(
    'header',
    { class: 'bar' },
    h(
      'div',
      { class: 'inner' },
      h('a', { class: 'brand', href: '#/tokens' }, 'keygate'),
      h(
        'nav',
        { 'aria-label': 'Main' },
        h(
          'ul',
          null,
          items.map((item) =>
            h(
              'li',
              null,
              h(
                'a',
                {
                  href: `#${item.route}`,
                  'aria-current': route === item.route ? 'page' : null,
                },
                item.label,
              ),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'who' },
        h('span', null, session.user.email, ' (', session.user.role, ')'),
        h(
          'button',
          {
            type: 'button',
            class: 'small secondary',
            onclick: () => {
              api('DELETE', '/v1/auth/sessions/current')
                .catch(() => {
                  // Already over (401) or unreachable: forgetting it here is all that is left.
                })
                .finally(() => {
                  app.forget()
                  app.flash('You are signed out.')
                  app.go('/sign-in')
                })
            },
          },
          'Sign out',
        ),
      ),
    ),
  )
}
