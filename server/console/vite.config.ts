// The console is served by fieldtrace itself under /console/ (README, "Web
// console"); the build lands in build/console/, which make embeds into the
// binary. Element Plus components are imported where templates use them, so
// each page's chunk carries only its own widgets.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: '../../build/console',
    emptyOutDir: true,
    // /console/assets/{id} is a unit's page: the build's files live apart.
    assetsDir: 'static',
    target: 'es2022',
    // No inline script or style anywhere: the CSP has no 'unsafe-inline'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // npm run dev: the API from a local fieldtrace (make run).
    proxy: { '/v1': { target: process.env.FIELDTRACE_API ?? 'https://127.0.0.1:8443', secure: false } },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
