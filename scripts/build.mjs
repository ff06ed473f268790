// Builds every package (or the ones named on the command line, with what they depend on) to
// dist/ in dependency order (a package's types come from the dist/ of
// the packages it depends on, so core must be built before the adapters).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

const packages = new Map()
for (const dir of readdirSync('packages')) {
  const file = `packages/${dir}/package.json`
  if (!existsSync(file) || !existsSync(`packages/${dir}/tsconfig.build.json`)) continue
  const pkg = JSON.parse(readFileSync(file, 'utf8'))
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((d) =>
    d.startsWith('@keygate/'),
  )
  packages.set(pkg.name, { dir: `packages/${dir}`, deps })
}
const done = new Set()
function build(name, trail = []) {
  if (done.has(name)) return
  if (trail.includes(name)) throw new Error(`dependency cycle: ${[...trail, name].join(' -> ')}`)
  const pkg = packages.get(name)
  for (const dep of pkg.deps) if (packages.has(dep)) build(dep, [...trail, name])
  console.log(`build ${name}`)
  execFileSync('npx', ['tsc', '-p', `${pkg.dir}/tsconfig.build.json`], { stdio: 'inherit' })
  done.add(name)
}
const wanted = process.argv.slice(2)
for (const name of wanted.length > 0 ? wanted : packages.keys()) build(name)
