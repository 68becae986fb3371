import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The client reads the gateway's address from VITE_GATEWAY_URL (see src/gateway.ts); Vite
// exposes VITE_* variables of the environment to the bundle at build and dev time.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  // The lazily loaded pages (App.tsx) are fetched with <link rel=modulepreload>, which every
  // browser the client targets knows: the polyfill would only add to the first screen's bundle.
  build: { sourcemap: true, modulePreload: { polyfill: false } },
});
