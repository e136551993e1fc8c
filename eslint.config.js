// Lint config. The import boundaries of docs/ARCHITECTURE ("who may import whom") are enforced
// here, not by review. Flat-config note: when several blocks set the same rule for a file, the
// last one wins outright (options are not merged), so each boundary block lists all its bans.
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const BROWSER_ONLY_PACKAGES = ['react', 'react-dom', 'zustand', 'idb-keyval']
const DOM_GLOBALS = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'navigator',
  'location',
]

const banPackages = (names, why) => ({
  paths: names.map((name) => ({ name, message: why })),
  patterns: [{ group: names.map((name) => `${name}/*`), message: why }],
})

const CORE_WHY =
  'src/openpeer is a UI-free library that also runs in Node: no React, stores or storage. ' +
  'Take host capabilities through ports (src/openpeer/ports.ts).'
const coreImports = banPackages(BROWSER_ONLY_PACKAGES, CORE_WHY)
coreImports.patterns.push({
  // ../ui, ../../state/x, ../../../glue/app.ts … at any depth: the app layers around the library.
  regex: '^(?:\\.\\./)+(?:ui|state|storage|glue|model|platform|pwa)(?:[/.]|$)',
  message: CORE_WHY,
})

// The rest of src (the app around the library): the library only through its index.
const LIBRARY_ENTRY = {
  // openpeer/<anything but index.ts>, and the bare directory: one spelling, one public API.
  regex: '(?:^|/)openpeer(?:$|/(?!index\\.ts$))',
  message:
    'Import the Open Peer library only through src/openpeer/index.ts (its public API); ' +
    'if something is missing there, export it from index.ts.',
}
const layerBan = (layer, why) => ({ regex: `^(?:\\.\\./)+${layer}(?:/|$)`, message: why })
const STATE_STORAGE_WHY =
  'src/state (stores) and src/storage (repositories) do not import each other: what both need ' +
  '(the chat model) lives in src/model; the glue joins them.'
const UI_WHY =
  'src/ui reads stores and calls actions from useActions(); it never holds the client. From ' +
  'the library it may import types and the constants NAME_MAX, BODY_MAX and SECURITY_CODES; ' +
  'from the ' +
  'glue, types only.'
const appImports = (...more) => ({ patterns: [LIBRARY_ENTRY, ...more] })

const SERVER_WHY =
  'server/ may import only src/openpeer/wire, src/openpeer/identity and src/openpeer/errors.ts ' +
  '(one definition of every message), nothing else from src/.'
const serverImports = banPackages(BROWSER_ONLY_PACKAGES, SERVER_WHY)
serverImports.patterns.push({
  // Any relative path into src/ except the three allowed entries.
  regex:
    '^\\.{1,2}/(?:\\.\\./)*src/(?!openpeer/(?:wire|identity)(?:/|$)|openpeer/errors(?:\\.ts)?$)',
  message: SERVER_WHY,
})

export default defineConfig(
  globalIgnores([
    '**/dist/',
    'build/', // npm run build:server
    '**/dev-dist/',
    '**/node_modules/',
    '**/test-results/',
    '**/playwright-report/',
    '**/coverage/',
    '.scratch/', // personal scratch files (gitignored)
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Environments. TS files get no-undef from the compiler; these globals matter for .js/.mjs.
  {
    files: ['**/*.{js,mjs,cjs}', 'server/**', 'e2e/**', 'bench/**', 'scripts/**', '*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/openpeer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // React hooks: components (*.tsx) and hooks (useThing.ts) alike; the library has none.
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/openpeer/**'],
    ...reactHooks.configs.flat.recommended,
  },

  // Boundary: the Open Peer library.
  {
    files: ['src/openpeer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', coreImports],
      'no-restricted-globals': [
        'error',
        ...DOM_GLOBALS.map((name) => ({
          name,
          message: `src/openpeer runs in Node too: no \`${name}\`. Inject it through a port.`,
        })),
      ],
    },
  },
  {
    // Tests may set up DOM-ish fakes; the import ban still applies to them.
    files: ['src/openpeer/**/*.test.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },

  // Boundary: the finder server.
  {
    files: ['server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', serverImports] },
  },

  // Boundary: the benchmarks use the library as the app does, through its index only.
  {
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?:\\.\\./)+src/openpeer/(?!index\\.ts$)',
              message: 'bench/ imports the Open Peer library only through src/openpeer/index.ts.',
            },
          ],
        },
      ],
    },
  },

  // Boundary: the app around the library (each block lists all its bans: the last one wins).
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/openpeer/**'],
    rules: { 'no-restricted-imports': ['error', appImports()] },
  },
  {
    files: ['src/state/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', appImports(layerBan('storage', STATE_STORAGE_WHY))],
    },
  },
  {
    files: ['src/storage/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', appImports(layerBan('state', STATE_STORAGE_WHY))],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        appImports(
          {
            regex: '(?:^|/)openpeer/index\\.ts$',
            allowTypeImports: true,
            allowImportNames: ['NAME_MAX', 'SECURITY_CODES', 'BODY_MAX'],
            message: UI_WHY,
          },
          { regex: '(?:^|/)glue(?:/|$)', allowTypeImports: true, message: UI_WHY },
        ),
      ],
    },
  },
)
