import type { OpenAPIDocument, Operation, Parameter } from './build-openapi-document.js'

type Schema = {
  type?: string | string[]
  format?: string
  description?: string
  enum?: unknown[]
  const?: unknown
  default?: unknown
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  pattern?: string
  maxItems?: number
  uniqueItems?: boolean
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
}

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--bg:#0d1117;--code:#161b22}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
.wrap{display:grid;grid-template-columns:17rem 1fr;max-width:78rem;margin:0 auto}
nav{position:sticky;top:0;height:100vh;overflow:auto;padding:1.5rem 1rem;border-right:1px solid var(--line);font-size:13px}
nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:1.2rem 0 .3rem}
nav a{display:block;color:inherit;text-decoration:none;padding:.1rem 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
main{padding:1.5rem 2rem;min-width:0}h1{margin:.2rem 0}h2.tag{margin-top:2.5rem;border-bottom:1px solid var(--line)}
section.op{margin:1.5rem 0 2.5rem}h3{font-size:17px;margin:.2rem 0;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
h4{margin:1rem 0 .3rem;font-size:14px}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;padding:0 .4em;margin-right:.4em;color:#fff;font-size:12px;font-weight:600;vertical-align:2px}
.get{background:#0969da}.post{background:#1a7f37}.put{background:#9a6700}.patch{background:#8250df}.delete{background:#cf222e}.head{background:#57606a}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px;background:var(--code);padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:.3rem 0}th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--code)}.muted{color:var(--muted)}.req{color:#cf222e;font-size:11px}
`

function escape(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Markdown-ish inline text: `code` spans only; everything else escaped. */
function text(value: string | undefined): string {
  if (value === undefined) return ''
  return escape(value).replace(/`([^`]+)`/g, '<code>$1</code>')
}

function typeOf(schema: Schema): string {
  const types = [schema.type ?? (schema.properties ? 'object' : 'any')].flat()
  let out = types.join(' | ')
  if (schema.format !== undefined) out += ` (${schema.format})`
  if (types.includes('array') && schema.items !== undefined)
    out = `array of ${typeOf(schema.items)}`
  return out
}

/** A schema value as written in the page: strings bare, anything else as JSON. */
function literal(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function constraints(schema: Schema): string[] {
  const out: string[] = []
  if (schema.enum !== undefined) {
    out.push(`one of ${schema.enum.map((v) => `\`${literal(v)}\``).join(', ')}`)
  }
  if (schema.const !== undefined) out.push(`always \`${literal(schema.const)}\``)
  if (schema.minLength !== undefined || schema.maxLength !== undefined) {
    out.push(`${schema.minLength ?? 0}–${schema.maxLength ?? '∞'} characters`)
  }
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    out.push(`${schema.minimum ?? '−∞'}–${schema.maximum ?? '∞'}`)
  }
  if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems} items`)
  if (schema.uniqueItems === true) out.push('no duplicates')
  if (schema.pattern !== undefined) out.push(`matches \`${schema.pattern}\``)
  if (schema.default !== undefined) out.push(`default \`${JSON.stringify(schema.default)}\``)
  return out
}

function fieldRows(schema: Schema, prefix: string, depth: number): string[] {
  const rows: string[] = []
  const properties = schema.properties ?? {}
  const required = new Set(schema.required ?? [])
  for (const [name, property] of Object.entries(properties)) {
    const path = `${prefix}${name}`
    const notes = [property.description, ...constraints(property)].filter(
      (n): n is string => n !== undefined,
    )
    rows.push(
      `<tr><td><code>${escape(path)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td>` +
        `<td>${escape(typeOf(property))}</td><td>${notes.map(text).join('; ')}</td></tr>`,
    )
    if (depth < 4) {
      if (property.properties !== undefined)
        rows.push(...fieldRows(property, `${path}.`, depth + 1))
      if (property.items?.properties !== undefined) {
        rows.push(...fieldRows(property.items, `${path}[].`, depth + 1))
      }
    }
  }
  return rows
}

function schemaTable(schema: unknown): string {
  const s = (schema ?? {}) as Schema
  const rows = fieldRows(s, '', 0)
  if (rows.length === 0) return `<p class="muted">${escape(typeOf(s))}</p>`
  return `<table><tr><th>Field</th><th>Type</th><th>Notes</th></tr>${rows.join('')}</table>`
}

function parameterTable(parameters: readonly Parameter[]): string {
  const rows = parameters.map((p) => {
    const schema = p.schema as Schema
    const notes = [p.description, ...constraints(schema)].filter(
      (n): n is string => n !== undefined,
    )
    return (
      `<tr><td><code>${escape(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td>` +
      `<td>${escape(p.in)}</td><td>${escape(typeOf(schema))}</td><td>${notes.map(text).join('; ')}</td></tr>`
    )
  })
  return `<table><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr>${rows.join('')}</table>`
}

function securityText(operation: Operation): string {
  if (operation.security === undefined || operation.security.length === 0) {
    return '<p class="muted">Public: no credential.</p>'
  }
  const options = operation.security.map((requirement) =>
    Object.entries(requirement)
      .map(([name, scopes]) =>
        scopes.length === 0
          ? `<code>${escape(name)}</code>`
          : `<code>${escape(name)}</code> with ${scopes.map((s) => `<code>${escape(s)}</code>`).join(', ')}`,
      )
      .join(' and '),
  )
  return `<p>Requires ${options.join(' or ')}.</p>`
}

function responses(operation: Operation): string {
  const rows: string[] = []
  let bodies = ''
  for (const [status, response] of Object.entries(operation.responses)) {
    const types = Object.keys(response.content ?? {})
    rows.push(
      `<tr><td><code>${escape(status)}</code></td><td>${text(response.description)}</td>` +
        `<td>${types.map((t) => `<code>${escape(t)}</code>`).join(' ')}</td></tr>`,
    )
    const json = response.content?.['application/json']
    if (json !== undefined && Number(status) < 400) {
      bodies += `<h4>${escape(status)} body</h4>${schemaTable(json.schema)}`
    }
  }
  return (
    `<h4>Responses</h4><table><tr><th>Status</th><th>Meaning</th><th>Content</th></tr>${rows.join('')}</table>` +
    bodies
  )
}

function operationSection(method: string, path: string, operation: Operation): string {
  const body = operation.requestBody?.content['application/json']
  return [
    `<section class="op" id="${escape(operation.operationId)}">`,
    `<h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span>${escape(path)}</h3>`,
    operation.summary === undefined ? '' : `<p><strong>${text(operation.summary)}</strong></p>`,
    operation.description === undefined ? '' : `<p>${text(operation.description)}</p>`,
    securityText(operation),
    operation.parameters === undefined
      ? ''
      : `<h4>Parameters</h4>${parameterTable(operation.parameters)}`,
    body === undefined
      ? ''
      : `<h4>Request body${operation.requestBody?.required === true ? '' : ' (optional)'} <code>application/json</code></h4>${schemaTable(body.schema)}`,
    responses(operation),
    '</section>',
  ].join('')
}

/**
 * A self-contained HTML reference of an OpenAPI document: operations grouped by tag, their
 * security, parameters, bodies and responses. No script, no external style sheet, font or image
 * (served with `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'`); every
 * string from the document is escaped.
 *
 * @example
 * ```ts
 * reply.type('text/html').send(renderDocsPage(buildOpenAPIDocument({ routes })))
 * ```
 */
export function renderDocsPage(document: OpenAPIDocument): string {
  const byTag = new Map<string, string[]>()
  const nav = new Map<string, string[]>()
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const tag = operation.tags[0] ?? 'other'
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationSection(method, path, operation)])
      nav.set(tag, [
        ...(nav.get(tag) ?? []),
        `<a href="#${escape(operation.operationId)}"><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span>${escape(path)}</a>`,
      ])
    }
  }
  const tags = document.tags.filter((t) => byTag.has(t.name))
  const { info } = document
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(info.title)} ${escape(info.version)} — API reference</title>`,
    `<style>${CSS}</style></head><body><div class="wrap"><nav>`,
    `<strong>${escape(info.title)}</strong> <span class="muted">${escape(info.version)}</span>`,
    ...tags.map((t) => `<h2>${escape(t.name)}</h2>${(nav.get(t.name) ?? []).join('')}`),
    '</nav><main>',
    `<h1>${escape(info.title)}</h1><p class="muted">Version ${escape(info.version)} · OpenAPI ${escape(document.openapi)} · <a href="/openapi.json">openapi.json</a></p>`,
    `<p>${text(info.description)}</p>`,
    ...tags.map(
      (t) =>
        `<h2 class="tag" id="tag-${escape(t.name)}">${escape(t.name)}</h2><p class="muted">${text(t.description)}</p>${(byTag.get(t.name) ?? []).join('')}`,
    ),
    '</main></div></body></html>',
  ].join('\n')
}
