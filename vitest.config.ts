import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // netns lab tests share kernel state (namespace names, iptables in them): run files one at a time where they ask to
    pool: 'forks',
    setupFiles: ['test/setup/count-cases.ts'],
  },
});
