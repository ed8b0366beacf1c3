// The console's browser bundle: built into the server's dist/web, which apps/console/src/main.ts serves.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  plugins: [react()],
  build: {
    outDir: `${here}../dist/web`,
    emptyOutDir: true,
    // antd and ECharts are large; one vendor chunk each keeps the application's own chunk small and cacheable.
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      output: {
        manualChunks: (id: string) =>
          id.includes('node_modules/echarts') || id.includes('node_modules/zrender')
            ? 'echarts'
            : id.includes('node_modules')
              ? 'vendor'
              : undefined,
      },
    },
  },
});
