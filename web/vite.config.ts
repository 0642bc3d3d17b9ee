import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

// `web/` is the app's root; the build lands in dist/web, which the server serves at `/`.
export default defineConfig({
  root: here,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev` serves the API on 8000; Vite's dev server forwards API calls there.
    proxy: Object.fromEntries(
      ["/api", "/ingest", "/incidents", "/stats", "/metrics", "/model-info", "/health"].map((p) => [
        p,
        "http://127.0.0.1:8000",
      ]),
    ),
  },
});
