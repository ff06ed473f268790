/** A child of {@link h}: text (always inserted as text, never parsed as HTML), a node, or nothing. */
export type Child = string | number | Node | null | undefined | false | readonly Child[]

/** Attributes of {@link h}: `on<event>` adds a listener, `true`/`false` toggles a boolean attribute. */
export type Attrs = Record<
  string,
  string | number | boolean | null | undefined | ((event: Event) => void)
>

/**
 * Creates an element. Text goes in as text nodes only: nothing the API returns is ever parsed
 * as HTML, so a token name cannot inject markup (and CSP forbids inline script anyway).
 *
 * @example
 * ```ts
 * h('button', { type: 'button', onclick: () => save() }, 'Save')
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2), value)
    } else if (name === 'value' && element instanceof HTMLSelectElement) {
      element.value = String(value)
    } else if (name === 'checked' && element instanceof HTMLInputElement) {
      element.checked = value === true
    } else {
      element.setAttribute(name, value === true ? '' : String(value))
    }
  }
  append(element, children)
  return element
}

/** Appends children (see {@link Child}). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (typeof child === 'string') parent.appendChild(document.createTextNode(child))
    else if (typeof child === 'number') parent.appendChild(document.createTextNode(String(child)))
    else if (child instanceof Node) parent.appendChild(child)
    else append(parent, child)
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild)
  append(parent, children)
}

let ids = 0

/** A fresh element id, for `for`/`aria-describedby` pairs. */
export function uid(prefix: string): string {
  ids += 1
  return `${prefix}-${ids}`
}
