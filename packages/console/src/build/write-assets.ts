// Writes assets/console.js from src/app (the bundle the token service serves). Run after changing
// anything under src/app: `npm run build:assets -w @keygate/console`.
import { writeFileSync } from 'node:fs'
import { bundleConsole } from './bundle-console.js'

const target = new URL('../../assets/console.js', import.meta.url)
writeFileSync(target, await bundleConsole())
console.log(`wrote ${target.pathname}`)
