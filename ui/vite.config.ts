import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Tauri loads the built files (ui/dist) from its own protocol; in dev it uses
// the dev server on a fixed port.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  // Unit tests read the repository's example models (models/examples); the dev server serves ui/ only.
  server: { port: 5173, strictPort: true, ...((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.VITEST ? { fs: { allow: [".."] } } : {}) },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.tsx", "src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
});
