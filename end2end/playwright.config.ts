import { defineConfig } from "@playwright/test";
import * as path from "node:path";

// Chromium writes to ~/.config and ~/.cache: keep that inside the (gitignored) .tmp folder.
const tmp = path.join(__dirname, ".tmp");
process.env.XDG_CONFIG_HOME = path.join(tmp, "xdg-config");
process.env.XDG_CACHE_HOME = path.join(tmp, "xdg-cache");

// The charter binary to test (built by `cargo leptos build`; release builds can be tested too).
const bin = process.env.CHARTER_BIN ?? "target/debug/charter";

// Every spec runs twice: with JavaScript (hydrated app) and without (plain SSR and form posts).
// Each mode gets its own server and its own fresh SQLite database with demo data.
const modes = [
  { name: "js-on", port: 3101, javaScriptEnabled: true },
  { name: "js-off", port: 3102, javaScriptEnabled: false },
];

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: path.join(tmp, "test-results"),
  use: {
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: modes.map((m) => ({
    name: m.name,
    use: { baseURL: `http://127.0.0.1:${m.port}`, javaScriptEnabled: m.javaScriptEnabled },
  })),
  webServer: modes.map((m) => ({
    command: `bash scripts/e2e-server.sh ${m.port} ${bin}`,
    cwd: "..",
    url: `http://127.0.0.1:${m.port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  })),
});
