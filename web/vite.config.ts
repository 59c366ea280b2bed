import { defineConfig } from 'vite';

// Plain Vite with Preact's automatic JSX runtime: no Babel, no framework preset.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    // `npm run dev` in web/ proxies the API to a dirsync started with `npm run dev`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/scim': 'http://127.0.0.1:8080' },
  },
});
