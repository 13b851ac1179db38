// Vite builds the console into internal/console/assets/dist, which the Go
// package embeds; the gateway serves it at /console.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  // No public/ folder: everything the page needs is imported by the sources.
  publicDir: false,
  build: {
    outDir: '../internal/console/assets/dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // One script and one stylesheet, named by content hash; nothing inline,
    // so the page runs under a CSP with script-src 'self' alone.
    assetsInlineLimit: 0,
    modulePreload: false,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
