import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The client reads the gateway's address from VITE_GATEWAY_URL (see src/gateway.ts); Vite
// exposes VITE_* variables of the environment to the bundle at build and dev time.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  build: { sourcemap: true },
});
