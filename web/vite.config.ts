// Vite builds the web UI into web/dist, which the server serves at / (src/http/web-ui.ts).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  // `vite dev` next to `npm start`: the API stays on the server, same origin for cookies through the proxy.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
