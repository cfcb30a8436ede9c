import { defineConfig } from 'vitest/config';

// The lab's processes take a few seconds to start and a checkout crosses four services.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
});
