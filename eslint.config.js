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
