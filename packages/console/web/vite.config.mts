import { defineConfig } from 'vite';

// The console's web app, built into dist/web and served by the console itself: no CDN, no network.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
  logLevel: 'warn',
});
