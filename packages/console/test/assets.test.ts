/**
 * The committed assets are what the server serves with no build step: the bundle must be what
 * the sources build to now, and nothing may load from another origin or run inline.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bundleConsole } from '../src/build/bundle-console.js'
import { loadConsoleAssets } from '../src/index.js'

describe('console assets', () => {
  it('assets/console.js is current (run `npm run build:assets -w @keygate/console` after changing src/app)', async () => {
    const committed = readFileSync(new URL('../assets/console.js', import.meta.url), 'utf8')
    expect(committed === (await bundleConsole()), 'assets/console.js is stale').toBe(true)
  })

  it('loads from this origin only: no inline script or style, no external URL, no eval', () => {
    const assets = loadConsoleAssets()
    expect(assets.map((a) => a.name)).toEqual([
      'index.html',
      'console.css',
      'console.js',
      'favicon.svg',
    ])
    for (const asset of assets) {
      const text = asset.body.toString('utf8')
      // The SVG's namespace is an identifier, not a request.
      const urls = text
        .replace('http://www.w3.org/2000/svg', '')
        .match(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi)
      expect(urls, asset.name).toBeNull()
      expect(text, asset.name).not.toMatch(
        /@import|@font-face|\beval\(|new Function\(|innerHTML|insertAdjacentHTML|document\.write/,
      )
    }
    const page = assets[0]!.body.toString('utf8')
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.map((m) => [m[1]!.trim(), m[2]!.trim()])).toEqual([
      ['type="module" src="/console/console.js"', ''],
    ])
    expect(page).not.toMatch(/<style|style=|\bon[a-z]+=/i)
  })

  it('never stores anything in the browser: no localStorage, sessionStorage, IndexedDB or document.cookie', () => {
    const script = readFileSync(new URL('../assets/console.js', import.meta.url), 'utf8')
    expect(script).not.toMatch(
      /localStorage|sessionStorage|indexedDB|document\.cookie|console\.(log|info|debug)/,
    )
  })
})
