/// <reference types="vitest/config" />
import './node-polyfills.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'
import { compression } from 'vite-plugin-compression2'

/** Modules that only the desktop screens may load; the phone pages must never pull them in. */
export const DESKTOP_ONLY = /[\\/]node_modules[\\/](element-plus|@element-plus|echarts|zrender|vue-echarts)[\\/]/

/**
 * Writes the chunk graph (files, imports, modules) to .build-stats/chunk-graph.json so
 * scripts/check-bundle-size.mjs can measure what the first load of /m/ downloads.
 */
function chunkGraph(): Plugin {
  return {
    name: 'cunzhi-chunk-graph',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle)
        .filter((item) => item.type === 'chunk')
        .map((chunk) => ({
          fileName: chunk.fileName,
          isEntry: chunk.isEntry,
          isDynamicEntry: chunk.isDynamicEntry,
          facadeModuleId: chunk.facadeModuleId
            ? chunk.facadeModuleId.replace(fileURLToPath(new URL('.', import.meta.url)), '')
            : null,
          imports: chunk.imports,
          dynamicImports: chunk.dynamicImports,
          moduleIds: chunk.moduleIds.map((id) => id.replace(fileURLToPath(new URL('.', import.meta.url)), '')),
        }))
      const dir = fileURLToPath(new URL('./.build-stats', import.meta.url))
      mkdirSync(dir, { recursive: true })
      writeFileSync(`${dir}/chunk-graph.json`, JSON.stringify({ chunks }, null, 1))
    },
  }
}

/**
 * Vant's icon font is inlined (woff2 as a data: URL) with a fallback fetched from a public CDN
 * (at.alicdn.com). The Content-Security-Policy allows fonts from this origin and data: only, and an
 * intranet cannot reach the CDN anyway: drop the fallback so the inlined font is the only source.
 */
export function noCdnFonts(): Plugin {
  const CDN_SOURCE = /,\s*url\(\s*["']?(?:https?:)?\/\/at\.alicdn\.com\/[^)]*\)\s*format\(\s*["']?woff["']?\s*\)/g
  return {
    name: 'cunzhi-no-cdn-fonts',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]vant[\\/].*\.css$/.test(id.split('?')[0] ?? '') || !code.includes('alicdn')) return null
      return { code: code.replace(CDN_SOURCE, ''), map: null }
    },
  }
}

export default defineConfig({
  plugins: [
    noCdnFonts(),
    vue(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'apple-touch-icon.png'],
      manifest: {
        name: '村治 · 驻村工作',
        short_name: '村治',
        description: '软弱涣散村党组织整顿：驻村干部手机端',
        lang: 'zh-CN',
        start_url: '/m/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#b71c1c',
        icons: [
          { src: '/pwa-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/pwa-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/pwa-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Phones precache only the shell and the mobile pages; desktop chunks (prefixed d-) load on demand.
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
        globIgnores: ['**/d-*', '**/pwa-512*.png'],
        navigateFallback: '/index.html',
        // public.html is its own page (the village's public disclosure), never the app's shell.
        navigateFallbackDenylist: [/^\/api\//, /^\/docs/, /^\/openapi/, /^\/redoc/, /^\/public\//, /^\/public\.html/],
        cleanupOutdatedCaches: true,
        // The first install takes over the page that installed it: a cadre who logged in with signal
        // and lost it before any reload can still open the pages not visited yet (they come from the
        // precache). Updates still wait for the person (registerType 'prompt': no skipWaiting).
        clientsClaim: true,
      },
    }),
    chunkGraph(),
    // gzip and brotli next to each file: the API (cunzhi/main.py) sends the one Accept-Encoding allows.
    compression({ algorithms: ['gzip', 'brotliCompress'], logLevel: 'silent' }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      // Two pages: the app, and the public village page the notice board's QR code opens.
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        public: fileURLToPath(new URL('./public.html', import.meta.url)),
      },
      output: {
        // Chunks holding desktop-only libraries or desktop screens are prefixed "d-" so the
        // service worker leaves them out of the phone's precache.
        chunkFileNames(chunk) {
          const desktop = chunk.moduleIds.some((id) => DESKTOP_ONLY.test(id) || /[\\/]src[\\/](desktop|domains[\\/][^\\/]+[\\/]desktop)[\\/]/.test(id))
          // The shared chunk with vue-i18n and every domain's registration reads better under one name.
          const name = chunk.moduleIds.some((id) => /[\\/]node_modules[\\/]vue-i18n[\\/]/.test(id)) ? 'i18n-domains' : '[name]'
          return desktop ? `assets/d-${name}-[hash].js` : `assets/${name}-[hash].js`
        },
      },
    },
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false } },
  },
  test: {
    environment: 'happy-dom',
    environmentOptions: { happyDOM: { url: 'http://127.0.0.1:8000/' } },
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
})
