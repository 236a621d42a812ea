import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

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
    plugins: [react()],
    build: { outDir: here('./out/renderer'), rollupOptions: { input: { index: here('./renderer/index.html') } } },
  },
});
