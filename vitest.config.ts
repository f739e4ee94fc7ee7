import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // netns lab tests share kernel state (namespace names, iptables in them): run files one at a time where they ask to
    pool: 'forks',
    // Both cores of the CI machine (vitest would keep one free): each lab builds its own namespaces, named
    // after its process, so two test files never share kernel state.
    maxWorkers: 2,
    setupFiles: ['test/setup/count-cases.ts'],
  },
});
