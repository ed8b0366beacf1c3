// The console's browser bundle: built into the server's dist/web, which apps/console/src/main.ts serves.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** What both pages use, in a chunk of its own, so the resident page never loads the staff console's vendor chunk. */
const RESIDENT_PAGE_LIBRARIES =
  /node_modules\/(react|react-dom|scheduler|i18next|react-i18next|html-parse-stringify|void-elements|@babel\/runtime)\//;

export default defineConfig({
  root: here,
  plugins: [react()],
  build: {
    outDir: `${here}../dist/web`,
    emptyOutDir: true,
    // antd and ECharts are large; one vendor chunk each keeps the application's own chunk small and cacheable.
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      // Two pages: the staff console, and the resident's status page (/r/{token}), which loads React and i18next
      // but none of antd, ECharts or the staff pages.
      input: { index: `${here}index.html`, resident: `${here}resident.html` },
      output: {
        manualChunks: (id: string) =>
          id.includes('node_modules/echarts') || id.includes('node_modules/zrender')
            ? 'echarts'
            : RESIDENT_PAGE_LIBRARIES.test(id)
              ? 'base'
              : id.includes('node_modules')
                ? 'vendor'
                : undefined,
      },
    },
  },
});
