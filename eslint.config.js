// ESLint flat config. The workflow rules exist because Temporal replays workflow code:
// anything non-deterministic or doing I/O inside workflows/ breaks replay, so lint refuses it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

/** Packages that perform I/O or depend on the host; never allowed at runtime in workflows/. */
const ioPackages = [
  'mongodb',
  '@aws-sdk/*',
  '@notionhq/client',
  'crawlee',
  '@crawlee/*',
  'openai',
  '@huggingface/*',
  'opik',
  'node-llama-cpp',
  'onnxruntime-node',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  'turndown',
  'commander',
  'cli-progress',
];

/** Top-level folders of the source tree, as import patterns from any depth. */
const layerFolders = [
  'domain',
  'integrations',
  'activities',
  'workflows',
  'workers',
  'clients',
  'infra',
  'config',
];
const layerPattern = (folder) => [`../${folder}/*`, `../../${folder}/*`, `../../../${folder}/*`];
const upperLayers = (folders) => folders.flatMap(layerPattern);

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.data/**',
      '.tools/**',
      '.models/**',
      'test-artifacts/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows must be deterministic: no Node builtins in workflows/.',
          })),
          patterns: [
            {
              group: ioPackages,
              message: 'Workflows must not do I/O: call an activity instead.',
            },
            {
              group: [
                '../activities/*',
                '../integrations/*',
                '../infra/*',
                '../clients/*',
                '../workers/*',
                '../config/*',
                '../domain/*',
                '!../domain/names.js',
                'zod',
              ],
              allowTypeImports: true,
              message:
                'Workflows import only @temporalio/workflow, other workflows, shared literals and types.',
            },
            {
              // Any package at runtime but Temporal's own deterministic ones (workflow APIs,
              // search-attribute keys); relative imports are checked by the groups above.
              regex: '^(?![.]|@temporalio/(workflow|common)$)',
              allowTypeImports: true,
              message:
                'Workflows import at runtime only @temporalio/workflow (and @temporalio/common); other packages as types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process access in workflows.' },
        { name: 'setImmediate', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'Workflows must not do I/O.' },
      ],
    },
  },
  // The layers (see docs/architecture.md): domain/ is pure and depends on nothing else of ours;
  // activities/ and integrations/ never reach up into the processes that compose them
  // (workers/, clients/), so every arrow points from the outside in.
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .filter((name) => !['crypto', 'node:crypto'].includes(name))
            .map((name) => ({
              name,
              message: 'domain/ is pure: no I/O or host access (node:crypto for hashing only).',
            })),
          patterns: [
            { group: ioPackages, message: 'domain/ is pure: I/O belongs in integrations/.' },
            {
              group: upperLayers(layerFolders.filter((folder) => folder !== 'domain')),
              message: 'domain/ imports only domain/ (pass what it needs as arguments).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: upperLayers(['workers', 'clients', 'infra']),
              message:
                'activities/ take their ports as arguments: nothing from workers/, clients/ or infra/, not even types.',
            },
            {
              group: upperLayers(['workflows']),
              allowTypeImports: true,
              message: 'activities/ import workflow types only (workflows/ call activities).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['integrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: upperLayers(['activities', 'workers', 'clients', 'workflows']),
              message:
                'integrations/ are adapters: they import domain/ and config/, never the layers that use them (not even types).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: upperLayers(['clients']),
              message:
                'workers/ compose ports; clients/ (CLI, HTTP) start workers, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The web chat UI runs in the browser, served as it is (no build step).
    files: ['clients/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
