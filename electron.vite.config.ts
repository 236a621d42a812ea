import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { cspMetaTag } from './electron/security/csp-meta-plugin.ts';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/* `npm start` (dev) and `npm run build`: main, preload and renderer for the Electron shell. */
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: here('./out/main'), rollupOptions: { input: { index: here('./electron/main.ts') } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: here('./out/preload'), rollupOptions: { input: { index: here('./electron/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: here('./renderer'),
    // The CSP meta tag is a fallback for the header the app:// handler sets; build-time only, as it would break Vite's dev preamble.
    plugins: [react(), cspMetaTag()],
    build: { outDir: here('./out/renderer'), rollupOptions: { input: { index: here('./renderer/index.html') } } },
  },
});
