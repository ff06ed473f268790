// The import rules of the monorepo, checked by `npm run lint` (`depcruise`). See docs/architecture.md.
// A package reaches another only by its name (`@keygate/core`), which resolves through the
// workspace symlink to that package's `exports`: never a relative path into its folder.

const ADAPTERS = '(express|fastify|hono|koa|node)'
const FRAMEWORKS = '^node_modules/(express|fastify|hono|koa|@hono|@fastify)/'
// Test files may use what a package lists in devDependencies (another adapter, the testkit).
const TESTS = '([.](test|conformance)[.]ts$|/test/)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the shared part into its own file.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-framework',
      severity: 'error',
      comment:
        'The core is framework-agnostic: Web Request/Headers in, Principal or AuthError out.',
      from: { path: '^packages/core/src/', pathNot: TESTS },
      to: { dependencyTypesNot: ['core'], pathNot: '^(packages/core/|node_modules/jose/)' },
    },
    {
      name: 'adapters-import-only-core',
      severity: 'error',
      comment:
        'An adapter converts the request, calls the core and writes the answer: nothing else.',
      from: { path: `^packages/${ADAPTERS}/src/`, pathNot: TESTS },
      to: {
        path: '^(packages/|node_modules/@keygate/)',
        pathNot: ['^node_modules/@keygate/core/', `^packages/$1/`],
      },
    },
    {
      name: 'adapters-import-no-other-framework',
      severity: 'error',
      comment: 'An adapter imports its own framework only (the node adapter imports none).',
      from: { path: `^packages/${ADAPTERS}/src/`, pathNot: TESTS },
      to: { path: FRAMEWORKS, pathNot: '^node_modules/(@$1/|$1/)' },
    },
    {
      name: 'packages-only-through-public-exports',
      severity: 'error',
      comment:
        'Reach another package by its name (its exports), never by a relative path into its folder.',
      from: { path: '^(packages|examples)/([^/]+)/' },
      to: {
        path: '^(packages|examples)/([^/]+)/',
        pathNot: '^$1/$2/',
        // A workspace import by name resolves to the package's exports; 'local' is a relative path.
        dependencyTypes: ['local'],
      },
    },
    {
      name: 'no-deep-imports-into-packages',
      severity: 'error',
      comment: 'Only the entry points a package exports: no `@keygate/x/src/...`.',
      from: {},
      to: { path: '^@keygate/[^/]+/' },
    },
    {
      name: 'declared-dependencies-only',
      severity: 'error',
      comment: 'Every imported package is listed in the package.json of the importing package.',
      // Tests run from the root and use its devDependencies (vitest, fast-check, the testkit).
      from: { pathNot: [TESTS, '^bench/'] },
      // An optional peer (the testkit's `@keygate/server`) is declared, though depcruise calls it no-pkg.
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm-peer'] },
    },
    {
      name: 'declared-dependencies-only-bench',
      severity: 'error',
      comment:
        'bench/ runs from the root package: its third-party imports are root devDependencies.',
      from: { path: '^bench/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], pathNot: '^node_modules/@keygate/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(packages|examples)/[^/]+/(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    // Keep `node_modules/@keygate/x/…` as the resolved path of a workspace import, so an import by
    // package name is told apart from a relative path and checked against package.json.
    preserveSymlinks: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@keygate/source', 'import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
