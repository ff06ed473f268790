/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints its table.
 *
 *   gate         keygate's own cost per request, in process (no HTTP)
 *   middleware   hello-world on each framework: no auth, keygate, the framework's peer
 *   server       the token service: API-token route vs /health (SQLite and PostgreSQL)
 *   revocation   how long a revocation on one instance takes to reach another (Redis, PostgreSQL)
 *   remote       an app verifying API tokens through introspection: warm vs /health, one miss
 *   edge         nginx, nginx + auth_request /v1/auth/check, keygate proxy, vs the upstream direct
 */
const benches: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  gate: () => import('./gate.js'),
  middleware: () => import('./middleware.js'),
  server: () => import('./server.js'),
  revocation: () => import('./revocation-latency.js'),
  edge: () => import('./edge.js'),
  remote: () => import('./remote.js'),
}

const [name, ...rest] = process.argv.slice(2)
const load = name === undefined ? undefined : benches[name]
if (load === undefined) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`)
  process.exit(2)
}
await (await load()).main(rest)
