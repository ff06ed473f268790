/**
 * The keygate console: a single page that talks to the token service's HTTP API on its own
 * origin with the session cookie. Routes live in the hash (`#/tokens`), so the server serves one
 * page and nothing secret ever appears in a URL.
 */
import { api, APIError, whenSignedOut } from './api.js'
import { createApp, currentRoute, loadSession, type App } from './app.js'
import { h } from './dom.js'
import { accountScreen } from './screens/account.js'
import { allTokensScreen } from './screens/all-tokens.js'
import { auditScreen } from './screens/audit.js'
import { setupScreen } from './screens/setup.js'
import { signInScreen } from './screens/sign-in.js'
import { tokensScreen } from './screens/tokens.js'
import { usersScreen } from './screens/users.js'
import { describeProblem } from './ui.js'

type Screen = { scope?: string; show: (app: App) => void }

const SIGNED_IN: Readonly<Record<string, Screen>> = {
  '/tokens': { show: tokensScreen },
  '/admin/users': { scope: 'users:manage', show: usersScreen },
  '/admin/tokens': { scope: 'tokens:manage', show: allTokensScreen },
  '/admin/audit': { scope: 'audit:read', show: auditScreen },
  '/account': { show: accountScreen },
}

const root = document.getElementById('app') as HTMLElement
const app = createApp(root, render)

// Any 401 from the API: the session is over (signed out elsewhere, expired, user disabled).
whenSignedOut((error: APIError) => {
  if (app.session === undefined) return
  app.forget()
  app.flash(`You have been signed out: ${error.detail}. Sign in again.`, 'error')
  app.go('/sign-in')
})

async function render(): Promise<void> {
  const route = currentRoute()
  // Another hash (the skip link's `#main`): not a route.
  if (route === undefined) return
  try {
    if (app.session === undefined) {
      if (route === '/setup') {
        const { pending } = await api<{ pending: boolean }>('GET', '/v1/setup')
        if (pending) return setupScreen(app)
        app.flash('keygate is already set up: sign in.')
        return app.go('/sign-in')
      }
      if (route !== '/sign-in') return app.go('/sign-in')
      return signInScreen(app)
    }
    const screen = SIGNED_IN[route]
    if (screen === undefined || (screen.scope !== undefined && !app.holds(screen.scope))) {
      return app.go('/tokens')
    }
    screen.show(app)
  } catch (error) {
    if (error instanceof APIError && error.status === 401) return
    app.page(
      'Something went wrong',
      h('p', { class: 'notice error', role: 'alert' }, describeProblem(error)),
    )
  }
}

async function start(): Promise<void> {
  try {
    const session = await loadSession()
    app.setSession(session)
    if (session === undefined) {
      const { pending } = await api<{ pending: boolean }>('GET', '/v1/setup')
      const route = currentRoute()
      if (pending && route !== '/sign-in') return app.go('/setup')
      if (route !== '/sign-in') return app.go('/sign-in')
    } else if (
      currentRoute() === '' ||
      currentRoute() === '/sign-in' ||
      currentRoute() === '/setup'
    ) {
      return app.go('/tokens')
    }
    await render()
  } catch (error) {
    app.page(
      'The console cannot start',
      h('p', { class: 'notice error', role: 'alert' }, describeProblem(error)),
    )
  }
}

void start()
