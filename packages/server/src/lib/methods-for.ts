/** The methods some route answers on `path` (with HEAD for GET), sorted: the `Allow` of a 405. */
export function methodsFor(
  routes: readonly { method: string | string[]; url: string }[],
  path: string,
): string[] {
  const methods = new Set<string>()
  for (const route of routes) {
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, '[^/]+')}$`)
    if (!pattern.test(path)) continue
    for (const method of [route.method].flat()) {
      methods.add(method)
      if (method === 'GET') methods.add('HEAD')
    }
  }
  return [...methods].sort()
}
